package device

import "github.com/nats-io/nkeys"

func validCurveKey(s string) bool { return nkeys.IsValidPublicCurveKey(s) }
