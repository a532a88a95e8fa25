package adopt

import (
	"path"
	"regexp"
	"strings"
	"sync"
)

// Mirror: secretive is the secret-literal rule's test of an env value or
// ConfigMap entry (policies/config/secret-literal/rule.rego: secret_name,
// secret_value, setting_name, placeholder), so that an import never writes into config
// a value that dozen's own lint calls a secret; it also takes a URL with
// credentials in it. TestSecretiveMirrorsTheRule holds the two together.
var (
	secretNameRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)(PASSW(OR)?D|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH_?KEY)`)
	})
	secretValueRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`-----BEGIN ([A-Z]+ )?PRIVATE KEY-----|^(ghp|gho|ghs|ghu|github_pat)_[A-Za-z0-9_]{20,}|^AKIA[0-9A-Z]{16}$|^xox[abpr]-[A-Za-z0-9-]{10,}|^sk_live_[A-Za-z0-9]{16,}`)
	})
	referenceRE = regexp.MustCompile(`^\$\(.+\)$|^\$\{.+\}$`)
	// settingNameRE matches names of settings about a secret rather than
	// the secret (where it is, how long it lives, whether it is used).
	settingNameRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)(_|^)(FILE|PATH|DIR|NAME|REF|URL|URI|ENDPOINT|TTL|TIMEOUT|EXPIRY|EXPIRATION|LENGTH|ENABLED|REQUIRED|TYPE|MODE|POLICY|HEADER)$|(^|_)(ALLOW|RANDOM|USE|ENABLE|DISABLE|REQUIRE)_`)
	})
	// credentialURL matches a URL with user information: what a backing
	// service's url may never hold.
	credentialURL = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://[^/?#\s]*@`)
)

// placeholder reports whether v is a stand-in rather than a secret.
func placeholder(v string) bool {
	if strings.TrimSpace(v) == "" || referenceRE.MatchString(v) || strings.HasPrefix(v, "/") {
		return true
	}
	switch strings.ToLower(v) {
	case "changeme", "change-me", "none", "null", "false", "true", "disabled", "-":
		return true
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "0", "1", "yes", "no", "y", "n", "on", "off", "enabled": // a switch
		return true
	}
	return false
}

// secretive reports whether the variable or key name holding value is a
// secret written in clear text.
func secretive(name, value string) bool {
	if secretNameRE().MatchString(name) && !settingNameRE().MatchString(name) && !placeholder(value) {
		return true
	}
	return secretValueRE().MatchString(value) || credentialURL.MatchString(value)
}

// secretKeyName makes a Secret key of an environment variable's name.
func secretKeyName(env string) string { return env }

// backingKind is a kind of attached resource dozen does not run: a
// database, cache, queue or store, known by its image.
type backingKind struct {
	// what it is, for messages: "database", "cache", "queue", "store".
	what   string
	scheme string
	port   int
}

// backingImages are the images of attached resources, by a word of the
// image's last path element.
var backingImages = []struct {
	word string
	kind backingKind
}{
	{"postgis", backingKind{"database", "postgres", 5432}},
	{"postgres", backingKind{"database", "postgres", 5432}},
	{"timescaledb", backingKind{"database", "postgres", 5432}},
	{"mysql", backingKind{"database", "mysql", 3306}},
	{"mariadb", backingKind{"database", "mysql", 3306}},
	{"mongo", backingKind{"database", "mongodb", 27017}},
	{"cassandra", backingKind{"database", "cassandra", 9042}},
	{"scylla", backingKind{"database", "cassandra", 9042}},
	{"clickhouse", backingKind{"database", "clickhouse", 9000}},
	{"couchdb", backingKind{"database", "http", 5984}},
	{"cockroach", backingKind{"database", "postgres", 26257}},
	{"neo4j", backingKind{"database", "bolt", 7687}},
	{"influxdb", backingKind{"database", "http", 8086}},
	{"redis", backingKind{"cache", "redis", 6379}},
	{"valkey", backingKind{"cache", "redis", 6379}},
	{"keydb", backingKind{"cache", "redis", 6379}},
	{"memcached", backingKind{"cache", "memcache", 11211}},
	{"rabbitmq", backingKind{"queue", "amqp", 5672}},
	{"kafka", backingKind{"queue", "kafka", 9092}},
	{"redpanda", backingKind{"queue", "kafka", 9092}},
	{"zookeeper", backingKind{"coordination service", "zookeeper", 2181}},
	{"nats", backingKind{"queue", "nats", 4222}},
	{"elasticsearch", backingKind{"search index", "http", 9200}},
	{"opensearch", backingKind{"search index", "http", 9200}},
	{"minio", backingKind{"object store", "http", 9000}},
	{"etcd", backingKind{"key-value store", "http", 2379}},
}

// backingOf returns the kind of attached resource image runs, if it runs
// one.
func backingOf(image string) (backingKind, bool) {
	repo := image
	if i := strings.Index(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	base := path.Base(repo)
	if i := strings.Index(base, ":"); i >= 0 {
		base = base[:i]
	}
	for _, b := range backingImages {
		if strings.Contains(base, b.word) {
			return b.kind, true
		}
	}
	return backingKind{}, false
}
