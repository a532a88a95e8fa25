package kubernetes

is_deployment if input.kind == "Deployment"

is_service if input.kind == "Service"
