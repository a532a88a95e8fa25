package dozen.rules.portability.local_volume_test

import data.dozen.rules.portability.local_volume

pv(spec) := {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "data"}, "spec": spec}

test_local_pv_fails if {
	local_volume.deny == {{"msg": `local volume "/mnt/disks/ssd1" exists on one node only`, "path": ["spec", "local"]}} with input as pv({"local": {"path": "/mnt/disks/ssd1"}})
}

test_host_path_pv_fails if {
	local_volume.deny == {{"msg": `hostPath volume "/data" exists on one node only`, "path": ["spec", "hostPath"]}} with input as pv({"hostPath": {"path": "/data"}})
}

test_network_pv_passes if {
	count(local_volume.deny) == 0 with input as pv({"nfs": {"server": "nfs.example.com", "path": "/exports"}})
	count(local_volume.deny) == 0 with input as pv({"csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-1"}})
}
