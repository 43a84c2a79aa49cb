package loadtest

import "github.com/deskdial/deskdial/internal/relay/testcerts"

// MakeCerts writes a throwaway CA (ca.pem) and a certificate for 127.0.0.1
// (server.pem, server-key.pem) into dir, for running the shipped TLS
// configuration on loopback. Clients trust ca.pem through SSL_CERT_FILE.
func MakeCerts(dir string) error { return testcerts.Make(dir) }
