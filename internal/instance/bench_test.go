package instance

import (
	"context"
	"testing"
)

// BenchmarkHandOver measures one link handed from a second invocation to the
// running instance: connect, send, delivery on Messages, answer.
func BenchmarkHandOver(b *testing.B) {
	dir := b.TempDir()
	s, err := Listen(dir)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	go func() { // owned by the benchmark: drains until Run closes Messages
		for range s.Messages() {
		}
	}()
	b.ResetTimer()
	for b.Loop() {
		if err := Send(ctx, dir, "tel:+493012345678"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
