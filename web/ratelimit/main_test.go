package ratelimit_test

import (
	"testing"

	"github.com/village-social/village/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Run(m) }
