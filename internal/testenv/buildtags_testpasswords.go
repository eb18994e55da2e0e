//go:build testpasswords

package testenv

// villageBuildTags are the build tags the instances' binary is built
// with: those of the test binary that starts them (`make test` hashes
// passwords at bcrypt's lowest cost, in the instances too).
const villageBuildTags = "testpasswords"
