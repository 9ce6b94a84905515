package epictest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicoauth/epicoauth/epic"
	"github.com/epicoauth/epicoauth/epictest"
)

func TestClock(t *testing.T) {
	start := time.Date(2030, 5, 1, 0, 0, 0, 0, time.UTC)
	c := epictest.NewClock(start)
	assert.Equal(t, start, c.Now())
	c.Advance(time.Minute)
	assert.Equal(t, start.Add(time.Minute), c.Now())
	require.NoError(t, c.Sleep(context.Background(), time.Hour))
	assert.Equal(t, start.Add(time.Hour+time.Minute), c.Now(), "Sleep advances at once")
	c.Set(start)
	assert.Equal(t, start, c.Now())
	assert.Panics(t, func() { c.Advance(-time.Second) })

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, c.Sleep(ctx, time.Hour), context.Canceled)
	assert.Equal(t, start, c.Now(), "a cancelled Sleep does not move the clock")
}

func TestClockConcurrentSleeps(t *testing.T) {
	c := epictest.NewClock(epictest.DefaultStart)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				_ = c.Sleep(context.Background(), time.Second)
				_ = c.Now()
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, epictest.DefaultStart.Add(800*time.Second), c.Now())
}

func TestServerUsesOptionsClock(t *testing.T) {
	start := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	c := epictest.NewClock(start)
	srv := epictest.NewServer(&epictest.Options{Clock: c})
	defer srv.Close()
	assert.Same(t, c, srv.Clock())
	tok, err := srv.EpicConfig(srv.DefaultClient()).Token(context.Background(), epic.ClientCredentials())
	require.NoError(t, err)
	assert.Equal(t, "2031-01-01T04:00:00.000Z", tok.Extra("expires_at"))
	assert.Equal(t, start.Add(4*time.Hour), tok.Expiry)
	srv.Close()
	assert.NotPanics(t, srv.Close, "Close twice")
}
