package gateway

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tidegate/tidegate/internal/durable"
)

// iteratorKey returns the key that signs shard iterators, kept in the data
// directory so iterators handed out before a restart stay valid (for their
// five minutes) after it.
func iteratorKey(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, "iterator.key")
	key, err := os.ReadFile(path)
	if err == nil && len(key) == 32 {
		return key, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("iterator key: %w", err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("iterator key: %w", err)
	}
	if err := durable.WriteFile(path, key, 0o600); err != nil {
		return nil, fmt.Errorf("iterator key: %w", err)
	}
	return key, nil
}
