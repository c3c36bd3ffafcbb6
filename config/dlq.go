package config

// DLQ configures `kafka-ometria dlq`, the dead-letter tools.
type DLQ struct {
	// MaxReplays is how many times one dead letter may be replayed: an entry replayed this
	// many times already is left (and counted) unless --force. Default 3.
	MaxReplays int `yaml:"max_replays"`
}

// DefaultMaxReplays is the default dlq.max_replays.
const DefaultMaxReplays = 3

func (d *DLQ) applyDefaults() {
	if d.MaxReplays == 0 {
		d.MaxReplays = DefaultMaxReplays
	}
}

func (d *DLQ) validate(p *problems) {
	if d.MaxReplays < 1 {
		p.add("dlq.max_replays", "must be positive, got %d", d.MaxReplays)
	}
}
