package main

import (
	"context"
	"errors"
)

// cmdPair is being built; the owner of this file replaces it.
func cmdPair(ctx context.Context, e *env, args []string) error {
	return errors.New("pair: not available in this build yet")
}
