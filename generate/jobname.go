package generate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// jobNameHash is the annotation #KJob puts on the Jobs whose names get the
// hash of their pod template. Mirrors #JobNameHash in schema/render.cue
// (TestJobNameCarriesTemplateHash fails when either side changes alone).
const jobNameHash = "dozen.dev/name-hash"

// maxJobName is the longest Job name: the Job controller puts the name in
// a label of its pods, and a label value has at most 63 characters.
const maxJobName = 63

// hashJobNames appends to the name of every Job marked with jobNameHash a
// hash of its pod template as built (the environment's image, ConfigMap
// names, resources and patches included), and removes the mark. A Job's
// pod template is immutable: a release that changes it gets a new Job,
// which runs, instead of an update the API server refuses, and applying
// the same release again names the same Job. Nothing refers to a Job by
// name, so no reference needs rewriting.
func hashJobNames(objs []Object) error {
	for i := range objs {
		o := &objs[i]
		if o.Kind != "Job" {
			continue
		}
		meta, _ := o.Data["metadata"].(map[string]any)
		annotations, _ := meta["annotations"].(map[string]any)
		if _, ok := annotations[jobNameHash]; !ok {
			continue
		}
		delete(annotations, jobNameHash)
		if len(annotations) == 0 {
			delete(meta, "annotations")
		}
		spec, _ := o.Data["spec"].(map[string]any)
		h, err := templateHash(spec["template"])
		if err != nil {
			return fmt.Errorf("hash the pod template of Job %s: %w", o.Name, err)
		}
		o.Name = hashedName(o.Name, h)
		meta["name"] = o.Name
	}
	return nil
}

// templateHash returns ten characters of the SHA-256 of the template's
// JSON (keys sorted), in kustomize's encoding of ConfigMap name hashes
// (api/hasher), which avoids vowels and so words.
func templateHash(template any) (string, error) {
	b, err := json.Marshal(template)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	enc := []byte(hex.EncodeToString(sum[:])[:10])
	for i, c := range enc {
		switch c {
		case '0':
			enc[i] = 'g'
		case '1':
			enc[i] = 'h'
		case '3':
			enc[i] = 'k'
		case 'a':
			enc[i] = 'm'
		case 'e':
			enc[i] = 't'
		}
	}
	return string(enc), nil
}

// hashedName returns "<name>-<hash>", cutting name so that the result has
// at most maxJobName characters and still ends in a letter or digit.
func hashedName(name, hash string) string {
	if keep := maxJobName - len(hash) - 1; len(name) > keep {
		name = strings.TrimRight(name[:keep], "-.")
	}
	return name + "-" + hash
}
