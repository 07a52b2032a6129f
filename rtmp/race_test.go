//go:build race

package rtmp

// raceEnabled: the race detector drops a quarter of what goes back to a
// sync.Pool, so figures of allocation are not the release build's.
const raceEnabled = true
