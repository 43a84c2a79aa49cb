package history

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ImportFiles imports the vCard files named (the name "-" reads stdin) as
// ImportVCard does, telling done of each file as it is imported. A file
// that is not a vCard file at all is told with ErrNotVCard, and the other
// files are still imported; the error returned then names each such file
// (and errors.Is sees ErrNotVCard). A file that cannot be opened or stored
// stops the import there.
func (s *Store) ImportFiles(ctx context.Context, names []string, stdin io.Reader, region string, done func(name string, rep ImportReport, err error)) error {
	var notCards []string
	for _, name := range names {
		rep, err := s.importFile(ctx, name, stdin, region)
		if errors.Is(err, ErrNotVCard) {
			done(name, rep, err)
			notCards = append(notCards, name)
			continue
		}
		if err != nil {
			return err
		}
		done(name, rep, nil)
	}
	if len(notCards) > 0 {
		return &notVCardError{names: notCards}
	}
	return nil
}

func (s *Store) importFile(ctx context.Context, name string, stdin io.Reader, region string) (ImportReport, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return ImportReport{}, fmt.Errorf("contacts import: %w", err)
		}
		defer f.Close()
		r = f
	}
	rep, err := s.ImportVCard(ctx, r, region)
	if err != nil && !errors.Is(err, ErrNotVCard) {
		return rep, fmt.Errorf("contacts import %s: %w", name, err)
	}
	return rep, err
}

// notVCardError names the files an import found no vCard in.
type notVCardError struct{ names []string }

func (e *notVCardError) Error() string {
	return "contacts import: not a vCard file: " + strings.Join(e.names, ", ")
}

func (e *notVCardError) Is(target error) bool { return target == ErrNotVCard }
