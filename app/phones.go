package main

import (
	"context"
	"errors"
)

// cmdPhones is being built; the owner of this file replaces it.
func cmdPhones(ctx context.Context, e *env, args []string) error {
	return errors.New("phones: not available in this build yet")
}
