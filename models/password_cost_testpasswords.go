//go:build testpasswords

package models

// Built with -tags testpasswords (`make test` only), passwords are hashed
// at bcrypt's lowest cost: the suite creates and logs in hundreds of
// accounts, and a tenth of a second of CPU each is minutes of a small
// machine. Never build a server to run with this tag.
const bcryptCost = 4

// missingAccountHash is a bcrypt hash (of random bytes nobody kept) at
// bcryptCost, as in password_cost.go.
const missingAccountHash = "$2a$04$V0lxqsqs/lbOGd/6pua0ROwQs0SF7Hc6MrtsEOStVcaW70O74K4I2"

// WeakPasswordHashing reports whether this build hashes passwords at
// bcrypt's lowest cost: here it does, and `village serve` warns.
const WeakPasswordHashing = true
