package config

import (
	"slices"
	"strings"
)

// Stage is a pipeline stage a process runs.
type Stage string

// The stages: the one list of their names. A process runs any subset; all of them by default.
const (
	StageMap   Stage = "map"   // event topics -> records topic (or dead letters)
	StagePush  Stage = "push"  // records topic -> Ometria
	StageRetry Stage = "retry" // retry topic -> Ometria, when due
)

// AllStages returns every stage, in pipeline order.
func AllStages() []Stage { return []Stage{StageMap, StagePush, StageRetry} }

// Names returns the names of ss, in their order.
func Names(ss []Stage) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// GroupID is the consumer group of stage s in a process whose kafka.group_id is prefix:
// prefix-s ("kafka-ometria-push"). Every stage has its own group, so that each commits
// its own offsets.
func (s Stage) GroupID(prefix string) string { return prefix + "-" + string(s) }

// HasStage reports whether the config runs stage s.
func (c *Config) HasStage(s Stage) bool { return slices.Contains(c.Stages, s) }

func validateStages(p *problems, stages []Stage) {
	all := strings.Join(Names(AllStages()), ", ")
	if len(stages) == 0 {
		p.add("stages", "at least one stage is required (%s)", all)
	}
	seen := map[Stage]bool{}
	for i, s := range stages {
		path := "stages[" + itoa(i) + "]"
		switch {
		case !slices.Contains(AllStages(), s):
			p.add(path, "%q is not a stage (%s)", string(s), all)
		case seen[s]:
			p.add(path, "%q is listed twice", string(s))
		}
		seen[s] = true
	}
}
