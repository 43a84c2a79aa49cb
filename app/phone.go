package main

import (
	"context"
	"errors"
)

// cmdPhone is being built; the owner of this file replaces it.
func cmdPhone(ctx context.Context, e *env, args []string) error {
	return errors.New("phone: not available in this build yet")
}
