package config

import (
	"fmt"
	"io"
	"log/slog"
)

// ParseLevel maps a log level name (debug, info, warn, error; "" is info) to its slog
// level. Any other name is an error that lists the four.
func ParseLevel(level string) (slog.Level, error) {
	switch level {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return slog.LevelInfo, fmt.Errorf("log level %q is not one of debug, info, warn, error", level)
}

// Logger returns a text logger writing to w at level (see ParseLevel; an unknown name,
// which Validate refuses, logs at info). Every program logs through it.
func Logger(level string, w io.Writer) *slog.Logger {
	l, _ := ParseLevel(level)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
