package bench

import (
	"testing"

	"github.com/schulgateway/schulgateway/internal/schulpflicht"
)

// BenchmarkAbgleich50k reconciles 50,000 generated residents against their
// pupil records (about 49,000 with 5 % of them from out of town) with the
// standard thresholds: the matcher alone, without the database. Target:
// under 10 s and under 500 MB.
func BenchmarkAbgleich50k(b *testing.B) {
	pop := schulpflicht.ErzeugePopulation(50000, 1)
	cfg := schulpflicht.StandardKonfiguration()
	b.ReportAllocs()
	b.ResetTimer()
	var auto int
	for range b.N {
		out := schulpflicht.Abgleichen(pop.Residents, pop.Pupils, nil, cfg)
		auto = 0
		for _, z := range out {
			if z.Entscheidung == schulpflicht.Auto {
				auto++
			}
		}
	}
	b.ReportMetric(float64(auto), "auto")
	b.ReportMetric(float64(len(pop.Pupils)), "pupils")
}
