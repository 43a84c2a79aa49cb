package main

import (
	"context"
	"errors"
)

// cmdUnpair is being built; the owner of this file replaces it.
func cmdUnpair(ctx context.Context, e *env, args []string) error {
	return errors.New("unpair: not available in this build yet")
}
