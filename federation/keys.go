package federation

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"time"

	"github.com/village-social/village/federation/signature"
	"github.com/village-social/village/models"
)

// ParsePrivateKeyPEM reads a local actor's RSA private key (PKCS#8, or PKCS#1).
func ParsePrivateKeyPEM(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, fmt.Errorf("federation: private key: no PEM block")
	}
	if key, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return key, nil
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("federation: private key: %w", err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("federation: private key is %T, want RSA", parsed)
	}
	return key, nil
}

// Signer signs outgoing requests as one local actor.
type Signer struct {
	keyID string
	key   *rsa.PrivateKey
}

// NewSigner prepares to sign as a local actor.
func NewSigner(u URLs, a *models.Actor) (*Signer, error) {
	key, err := ParsePrivateKeyPEM(a.PrivateKeyPEM)
	if err != nil {
		return nil, err
	}
	return &Signer{keyID: u.KeyID(a), key: key}, nil
}

// SignGet signs a GET (for fetch.Options.Signer): servers in secure mode
// (GoToSocial always, Mastodon when configured) refuse unsigned fetches.
func (s *Signer) SignGet(r *http.Request) error {
	return signature.SignRequest(r, nil, s.keyID, s.key, time.Now())
}
