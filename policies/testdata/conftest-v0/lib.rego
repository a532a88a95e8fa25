package kubernetes

is_deployment {
	input.kind == "Deployment"
}

is_service {
	input.kind == "Service"
}
