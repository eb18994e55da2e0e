//go:build !testpasswords

package models

// bcryptCost is above the library default: log-ins are rare, guesses are not.
const bcryptCost = 11

// missingAccountHash is a bcrypt hash (of random bytes nobody kept) at
// bcryptCost: comparing against it when no account matches makes a failed
// log-in take as long whether or not the name exists.
const missingAccountHash = "$2a$11$U9UYsg1MSZk7pWOmHoU6Mu/DOEMkGShEckmwW93QVE/yVVQ/gaM4i"

// WeakPasswordHashing reports whether this build hashes passwords at
// bcrypt's lowest cost (the testpasswords tag): `village serve` warns.
const WeakPasswordHashing = false
