package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"rsc.io/qr"
)

// readQR turns drawn half blocks back into rows of modules (true for ink).
func readQR(t *testing.T, drawing string) [][]bool {
	t.Helper()
	index := map[rune]int{}
	for i, b := range halfBlocks {
		index[[]rune(b)[0]] = i
	}
	var rows [][]bool
	for _, line := range strings.Split(strings.TrimSuffix(drawing, "\n"), "\n") {
		line = strings.TrimSuffix(strings.TrimPrefix(line, "\x1b[30;47m"), "\x1b[0m")
		var top, bottom []bool
		for _, r := range line {
			n, ok := index[r]
			require.True(t, ok, "unexpected rune %q", r)
			top, bottom = append(top, n&2 != 0), append(bottom, n&1 != 0)
		}
		rows = append(rows, top, bottom)
	}
	return rows
}

func TestWriteQR(t *testing.T) {
	const url = "https://www.epicgames.com/activate?userCode=VFSBBW9W"
	code, err := qr.Encode(url, qr.L)
	require.NoError(t, err)
	size := code.Size + 2*quietZone

	for _, ansi := range []bool{false, true} {
		var b strings.Builder
		writeQR(&b, url, ansi)
		rows := readQR(t, b.String())
		require.Len(t, rows, size+size%2)
		for y := range size {
			require.Len(t, rows[y], size)
			for x := range size {
				dark := x >= quietZone && y >= quietZone && x < size-quietZone && y < size-quietZone &&
					code.Black(x-quietZone, y-quietZone)
				// With colours, ink is dark; without, ink is light.
				require.Equal(t, dark == ansi, rows[y][x], "module %d,%d (ansi %t)", x, y, ansi)
			}
		}
		assert.Equal(t, ansi, strings.Contains(b.String(), "\x1b["))
	}

	var b strings.Builder
	writeQR(&b, strings.Repeat("x", 8000), false) // too long for a QR code
	assert.Empty(t, b.String())
	assert.False(t, isTerminal(&b))
}
