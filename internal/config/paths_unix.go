//go:build !darwin && !windows

package config

func isXDG() bool { return true }
