package bus

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/deskdial/deskdial/internal/config"
)

// Files holding the embedded server's certificate, in the config dir.
const (
	CertFile = "server-cert.pem"
	KeyFile  = "server-key.pem"
)

// LoadOrCreateCert returns the embedded server's TLS certificate and its
// fingerprint, making a self-signed ECDSA P-256 certificate on first use.
// Nobody can vouch for a desktop on a LAN, so phones do not check a chain:
// they pin the fingerprint they got out of band in the pairing offer.
func LoadOrCreateCert(dir string) (tls.Certificate, string, error) {
	certPath, keyPath := filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile)
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err == nil {
		if fi, serr := os.Stat(keyPath); serr == nil && fi.Mode().Perm()&0o077 != 0 {
			return tls.Certificate{}, "", fmt.Errorf("bus: %s is readable by other users; chmod 600 it", keyPath)
		}
		return cert, Fingerprint(cert.Certificate[0]), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return tls.Certificate{}, "", fmt.Errorf("bus: load certificate: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("bus: make key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("bus: make serial: %w", err)
	}
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "deskdial " + host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(20, 0, 0), // pinned, never chain-checked: expiry would only break pairings
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("bus: make certificate: %w", err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("bus: encode key: %w", err)
	}
	if err := config.WriteFileAtomic(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return tls.Certificate{}, "", fmt.Errorf("bus: save key: %w", err)
	}
	if err := config.WriteFileAtomic(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return tls.Certificate{}, "", fmt.Errorf("bus: save certificate: %w", err)
	}
	cert, err = tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("bus: load certificate: %w", err)
	}
	return cert, Fingerprint(der), nil
}

// Fingerprint is the SHA-256 of a DER certificate in lowercase hex.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// pinnedTLS returns a client TLS config that accepts exactly the certificate
// whose fingerprint is fp. Chain and host name are not checked: the
// fingerprint came out of band and is a stronger statement than either.
func pinnedTLS(fp string) *tls.Config {
	want := strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(fp))
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by VerifyPeerCertificate below
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return fmt.Errorf("%w: server sent no certificate", ErrCertMismatch)
			}
			if got := Fingerprint(raw[0]); got != want {
				return fmt.Errorf("%w: got %s, paired with %s", ErrCertMismatch, got, want)
			}
			return nil
		},
	}
}
