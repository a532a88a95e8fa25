package adopt

import "fmt"

// masked stands for a secret's value in a report.
const masked = "********"

// scrub returns a copy of an input object with every secret written in
// clear text replaced by what an import writes instead: a container's
// environment variable by a reference to the key of that name in Secret
// secretName, a ConfigMap's entry by nothing. It is applied to everything
// an import writes that comes from the input (patches, kept objects, the
// objects of no service) and to the input it compares the render with,
// so that no secret value is ever copied. It says, for each, what it
// refused; skipMain leaves out the main container, whose environment the
// service file's model says.
func scrub(o *object, secretName string, skipMain bool) (map[string]any, []Decision) {
	return scrubData(o, secretName, skipMain, true)
}

// scrubData is scrub, leaving ConfigMaps as they are unless configMaps:
// the round trip compares the render with the input's ConfigMaps whole,
// so that an entry left out shows as a difference (masked).
func scrubData(o *object, secretName string, skipMain, configMaps bool) (map[string]any, []Decision) {
	data := copyJSON(o.data).(map[string]any)
	var refused []Decision
	if o.kind == "ConfigMap" && configMaps {
		entries := mapAt(data, "data")
		for _, k := range sortedKeys(entries) {
			if v, ok := entries[k].(string); ok && secretive(k, v) {
				delete(entries, k)
				refused = append(refused, Decision{Topic: "secret", Subject: o.ref(), What: fmt.Sprintf("key %s holds a secret written in clear text: it was left out, not copied; put it in a Secret and mount or refer to that instead", k)})
			}
		}
		return data, refused
	}
	for _, spec := range [][]string{{"spec", "template", "spec"}, {"spec", "jobTemplate", "spec", "template", "spec"}, {"spec"}} {
		ps := mapAt(data, spec...)
		if ps == nil || ps["containers"] == nil {
			continue
		}
		for _, list := range []string{"containers", "initContainers", "ephemeralContainers"} {
			for n, c := range anyList(ps[list]) {
				cm, _ := c.(map[string]any)
				if skipMain && list == "containers" && n == 0 {
					continue
				}
				for _, e := range anyList(cm["env"]) {
					em, _ := e.(map[string]any)
					name, _ := em["name"].(string)
					v, ok := em["value"].(string)
					if !ok || !secretive(name, v) {
						continue
					}
					delete(em, "value")
					em["valueFrom"] = map[string]any{"secretKeyRef": map[string]any{"name": secretName, "key": secretKeyName(name)}}
					refused = append(refused, Decision{Topic: "secret", Subject: o.ref(), What: fmt.Sprintf("environment variable %s of container %v holds a secret written in clear text: its value was not copied; create Secret %s with key %s, and rotate the value", name, cm["name"], secretName, secretKeyName(name))})
				}
			}
		}
		break
	}
	return data, refused
}
