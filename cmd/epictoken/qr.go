package main

import (
	"io"
	"os"
	"strings"

	"rsc.io/qr"
)

// quietZone is the light border around a QR code, in modules; scanners
// need some (the standard asks for 4, phones manage with 2).
const quietZone = 2

// writeQR draws text as a QR code with Unicode half blocks, two modules per
// character cell, so a phone can scan a verification URL off the terminal.
// It writes nothing if the text cannot be encoded.
//
// With ansi, each line is drawn black on white with ANSI colours, which
// reads right on light and dark terminals alike. Without (output that is not
// a terminal), the light modules are drawn as blocks: white on a dark
// terminal's background, the way most terminal QR codes look; on a light
// terminal that is a negative, which most phone scanners also read.
func writeQR(w io.Writer, text string, ansi bool) {
	code, err := qr.Encode(text, qr.L)
	if err != nil {
		return
	}
	dark := func(x, y int) bool {
		x, y = x-quietZone, y-quietZone
		return x >= 0 && y >= 0 && x < code.Size && y < code.Size && code.Black(x, y)
	}
	// With colours forced, blocks draw dark modules; without, light ones.
	ink := dark
	if !ansi {
		ink = func(x, y int) bool { return !dark(x, y) }
	}
	size := code.Size + 2*quietZone
	var b strings.Builder
	for y := 0; y < size; y += 2 {
		if ansi {
			b.WriteString("\x1b[30;47m")
		}
		for x := 0; x < size; x++ {
			// With an odd size, the row below the last is light, as
			// dark reports outside the code.
			b.WriteString(halfBlocks[btoi(ink(x, y))<<1|btoi(ink(x, y+1))])
		}
		if ansi {
			b.WriteString("\x1b[0m")
		}
		b.WriteString("\n")
	}
	_, _ = io.WriteString(w, b.String())
}

// halfBlocks draws two vertically stacked modules, indexed by top<<1|bottom
// (1 for ink).
var halfBlocks = [4]string{" ", "▄", "▀", "█"}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// isTerminal reports whether w is a terminal, to decide on colours.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
