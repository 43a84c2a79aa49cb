package main

import (
	"context"
	"errors"
)

// cmdServe is being built; the owner of this file replaces it.
func cmdServe(ctx context.Context, e *env, args []string) error {
	return errors.New("serve: not available in this build yet")
}
