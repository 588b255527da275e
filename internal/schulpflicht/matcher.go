package schulpflicht

// Abgleichen returns one Zuordnung per resident, in the residents' order.
// First compiling version: every resident is Keine; the real matcher follows.
func Abgleichen(residents, pupils []Person, urteile []Urteil, cfg Konfiguration) []Zuordnung {
	out := make([]Zuordnung, len(residents))
	for i, r := range residents {
		out[i] = Zuordnung{ResidentID: r.ID, Entscheidung: Keine}
	}
	return out
}

// StandardKonfiguration returns the thresholds measured on the generated population.
func StandardKonfiguration() Konfiguration { return Konfiguration{Auto: 20, Review: 8} }
