package dozen.rules.portability.host_path_test

import data.dozen.rules.portability.host_path

deployment(volumes) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "web"},
	"spec": {"template": {"spec": {"containers": [{"name": "app"}], "volumes": volumes}}},
}

test_host_path_volume_fails if {
	host_path.deny == {{
		"msg": `volume "data" mounts hostPath "/data"`,
		"path": ["spec", "template", "spec", "volumes", 1, "hostPath"],
	}} with input as deployment([{"name": "tmp", "emptyDir": {}}, {"name": "data", "hostPath": {"path": "/data"}}])
}

test_host_path_in_cronjob_fails if {
	cronjob := {"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {
		"volumes": [{"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}],
	}}}}}}
	host_path.deny == {{
		"msg": `volume "sock" mounts hostPath "/var/run/docker.sock"`,
		"path": ["spec", "jobTemplate", "spec", "template", "spec", "volumes", 0, "hostPath"],
	}} with input as cronjob
}

test_empty_dir_passes if {
	count(host_path.deny) == 0 with input as deployment([{"name": "tmp", "emptyDir": {}}])
}

test_not_a_workload_passes if {
	count(host_path.deny) == 0 with input as {"apiVersion": "example.com/v1", "kind": "Deployment", "spec": {"template": {"spec": {"volumes": [{"name": "d", "hostPath": {"path": "/"}}]}}}}
	count(host_path.deny) == 0 with input as {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}}
}

node_agent_spec := {"containers": [{"name": "agent"}], "volumes": [{"name": "logs", "hostPath": {"path": "/var/lib/docker"}}]}

test_node_agents_pass if {
	daemonset := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_path.deny) == 0 with input as daemonset
	critical := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": object.union(node_agent_spec, {"priorityClassName": "system-node-critical"})}}}
	count(host_path.deny) == 0 with input as critical
}

test_node_agents_judged_when_configured_fails if {
	daemonset := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_path.deny) > 0 with input as daemonset
		with data.dozen.config as {"params": {"host-path": {"node_agents": true}}}
	deployment := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": node_agent_spec}}}
	count(host_path.deny) > 0 with input as deployment
}
