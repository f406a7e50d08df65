package scenarios

import (
	"fmt"

	"github.com/onsi/ginkgo/v2/types"
)

// MergeShards joins the Ginkgo reports of the shards of one run into one:
// each scenario is taken from the shard that ran it.
func MergeShards(shards [][]types.Report) (types.Report, error) {
	if len(shards) == 0 {
		return types.Report{}, fmt.Errorf("merge shards: no report")
	}
	var out types.Report
	seen := map[string]int{} // spec key -> index in out.SpecReports
	first := true
	for i, rs := range shards {
		if len(rs) != 1 {
			return types.Report{}, fmt.Errorf("merge shards: shard %d has %d suite reports, want 1", i, len(rs))
		}
		r := rs[0]
		if first {
			out = r
			out.SpecReports = nil
			first = false
		}
		out.SuiteSucceeded = out.SuiteSucceeded && r.SuiteSucceeded
		out.SpecialSuiteFailureReasons = append(out.SpecialSuiteFailureReasons, r.SpecialSuiteFailureReasons...)
		if r.StartTime.Before(out.StartTime) {
			out.StartTime = r.StartTime
		}
		if r.EndTime.After(out.EndTime) {
			out.EndTime = r.EndTime
		}
		for _, sr := range r.SpecReports {
			key := fmt.Sprintf("%s|%s|%s", sr.LeafNodeType, sr.FullText(), sr.LeafNodeLocation)
			if sr.LeafNodeType != types.NodeTypeIt {
				key = fmt.Sprintf("%s#%d", key, i) // suite nodes: keep each shard's
			}
			j, ok := seen[key]
			switch {
			case !ok:
				seen[key] = len(out.SpecReports)
				out.SpecReports = append(out.SpecReports, sr)
			case inOtherShard(out.SpecReports[j]) && !inOtherShard(sr):
				out.SpecReports[j] = sr
			}
		}
	}
	out.RunTime = out.EndTime.Sub(out.StartTime)
	out.PreRunStats.SpecsThatWillRun = 0
	for _, sr := range out.SpecReports {
		if sr.LeafNodeType == types.NodeTypeIt && !sr.State.Is(types.SpecStateSkipped|types.SpecStatePending) {
			out.PreRunStats.SpecsThatWillRun++
		}
	}
	return out, nil
}

func inOtherShard(sr types.SpecReport) bool {
	return sr.State == types.SpecStateSkipped && sr.Failure.Message == ShardSkip
}
