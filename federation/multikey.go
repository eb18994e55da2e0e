package federation

import (
	"crypto"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/big"

	"github.com/village-social/village/federation/signature"
)

// FEP-521a: an actor may list further keys in assertionMethod, as
// Multikey objects whose publicKeyMultibase is "z" + base58btc of a
// multicodec-prefixed key. Village reads Ed25519 ones (prefix 0xed 0x01),
// which may sign HTTP requests (RFC 9421 alg "ed25519").

// ed25519Multicodec is the multicodec prefix of an Ed25519 public key.
var ed25519Multicodec = []byte{0xed, 0x01}

// documentKeys returns every key an actor document offers for verifying
// its requests, by key id: publicKey (its PEM), and the Ed25519 Multikeys
// of assertionMethod whose controller is the actor and whose id is on the
// actor's origin. Keys that cannot be read are left out.
func documentKeys(doc Object) map[string]crypto.PublicKey {
	keys := make(map[string]crypto.PublicKey, 2)
	actorID := doc.ID()
	if pk := doc.Embedded("publicKey"); pk != nil {
		if k, err := signature.ParsePublicKeyPEM(pk.String("publicKeyPem")); err == nil && pk.ID() != "" {
			keys[pk.ID()] = k
		}
	}
	methods, _ := doc["assertionMethod"].([]any)
	if m, ok := doc["assertionMethod"].(map[string]any); ok {
		methods = []any{m}
	}
	for i, v := range methods {
		if i >= 16 {
			break // more keys than any actor needs
		}
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		o := Object(m)
		id := o.ID()
		if o.Type() != "Multikey" || id == "" || o.Ref("controller") != actorID || !SameOrigin(id, actorID) {
			continue
		}
		if _, taken := keys[id]; taken {
			continue
		}
		if k, err := parseMultikey(o.String("publicKeyMultibase")); err == nil {
			keys[id] = k
		}
	}
	return keys
}

// parseMultikey reads an Ed25519 publicKeyMultibase.
func parseMultikey(s string) (ed25519.PublicKey, error) {
	if len(s) < 2 || s[0] != 'z' || len(s) > 100 {
		return nil, errors.New("federation: multikey: not base58btc")
	}
	b, err := decodeBase58(s[1:])
	if err != nil {
		return nil, err
	}
	if len(b) != len(ed25519Multicodec)+ed25519.PublicKeySize || b[0] != ed25519Multicodec[0] || b[1] != ed25519Multicodec[1] {
		return nil, errors.New("federation: multikey: not an Ed25519 public key")
	}
	return ed25519.PublicKey(b[2:]), nil
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// decodeBase58 decodes the Bitcoin base58 alphabet (base58btc).
func decodeBase58(s string) ([]byte, error) {
	n := new(big.Int)
	radix := big.NewInt(58)
	zeros := 0
	for i := 0; i < len(s) && s[i] == '1'; i++ {
		zeros++
	}
	for i := 0; i < len(s); i++ {
		d := -1
		for j := 0; j < len(base58Alphabet); j++ {
			if base58Alphabet[j] == s[i] {
				d = j
				break
			}
		}
		if d < 0 {
			return nil, fmt.Errorf("federation: base58: bad character %q", s[i])
		}
		n.Mul(n, radix)
		n.Add(n, big.NewInt(int64(d)))
	}
	return append(make([]byte, zeros), n.Bytes()...), nil
}
