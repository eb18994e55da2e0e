//go:build !testpasswords

package testenv

// villageBuildTags are the build tags the instances' binary is built
// with: those of the test binary that starts them.
const villageBuildTags = ""
