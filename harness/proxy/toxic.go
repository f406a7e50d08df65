package proxy

import "time"

// Stream is the direction a toxic acts on.
type Stream string

const (
	// Upstream is client to server (the request).
	Upstream Stream = "upstream"
	// Downstream is server to client (the response).
	Downstream Stream = "downstream"
)

// Toxic is one Toxiproxy toxic. Build it with the constructors below so
// attribute names and units are right.
type Toxic struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Stream Stream `json:"stream"`
	// Toxicity is the probability that a connection gets the toxic, rolled
	// by Toxiproxy when the connection opens and not seedable: keep-alive
	// connections keep their roll for their whole life. Faults that need a
	// reproducible probability act in the provider instead; 0 means 1.
	Toxicity   float32        `json:"toxicity"`
	Attributes map[string]int `json:"attributes"`
}

func toxic(typ string, s Stream, attrs map[string]int) Toxic {
	return Toxic{Name: typ + "_" + string(s), Type: typ, Stream: s, Toxicity: 1, Attributes: attrs}
}

func ms(d time.Duration) int { return int(d / time.Millisecond) }

// Latency delays every chunk by d plus or minus jitter.
func Latency(s Stream, d, jitter time.Duration) Toxic {
	return toxic("latency", s, map[string]int{"latency": ms(d), "jitter": ms(jitter)})
}

// Blackhole accepts data and never answers: the timeout toxic with no
// timeout, so the connection stays open until the client gives up.
func Blackhole(s Stream) Toxic {
	t := toxic("timeout", s, map[string]int{"timeout": 0})
	t.Name = "blackhole_" + string(s)
	return t
}

// Timeout drops data and closes the connection after d.
func Timeout(s Stream, d time.Duration) Toxic {
	return toxic("timeout", s, map[string]int{"timeout": ms(d)})
}

// ResetPeer resets the connection (TCP RST) after d, on the next data.
func ResetPeer(s Stream, d time.Duration) Toxic {
	return toxic("reset_peer", s, map[string]int{"timeout": ms(d)})
}

// SlowClose delays closing the connection by d.
func SlowClose(s Stream, d time.Duration) Toxic {
	return toxic("slow_close", s, map[string]int{"delay": ms(d)})
}

// Bandwidth limits the stream to rate KB/s.
func Bandwidth(s Stream, rateKB int) Toxic {
	return toxic("bandwidth", s, map[string]int{"rate": rateKB})
}

// Slicer cuts data into chunks of about size bytes, delay apart.
func Slicer(s Stream, size, variation int, delay time.Duration) Toxic {
	return toxic("slicer", s, map[string]int{"average_size": size, "size_variation": variation, "delay": int(delay / time.Microsecond)})
}

// LimitData closes the connection after n bytes: a response cut mid-body
// when put downstream.
func LimitData(s Stream, n int) Toxic {
	return toxic("limit_data", s, map[string]int{"bytes": n})
}
