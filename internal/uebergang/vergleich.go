package uebergang

// Vergleich compares two runs of the same school year for the council:
// what changes for the children between two procedures (or two lots).
type Vergleich struct {
	A, B Bericht
	// Per child in both runs, by the number of the wish admitted (none
	// is worse than any wish): the same, better or worse in B than in A.
	Gleich, BesserInB, SchlechterInB int
	// AndereSchule counts the children admitted elsewhere in B (also when
	// at a wish of the same number, which a changed application allows).
	AndereSchule int
	// NurInA, NurInB: applications in one run only (made or withdrawn in
	// between).
	NurInA, NurInB int
}

// rang orders results: a lower wish number is better, none is worst.
func rang(z Zuteilung) int {
	if z.Wunsch == 0 {
		return MaxWuensche + 1
	}
	return z.Wunsch
}

// Vergleiche compares run b with run a.
func Vergleiche(a, b Lauf) Vergleich {
	v := Vergleich{A: Berichte(a), B: Berichte(b)}
	inA := make(map[string]Zuteilung, len(a.Ergebnis.Zuteilungen))
	for _, z := range a.Ergebnis.Zuteilungen {
		inA[z.AnmeldungID] = z
	}
	for _, zb := range b.Ergebnis.Zuteilungen {
		za, ok := inA[zb.AnmeldungID]
		if !ok {
			v.NurInB++
			continue
		}
		delete(inA, zb.AnmeldungID)
		switch ra, rb := rang(za), rang(zb); {
		case rb < ra:
			v.BesserInB++
		case rb > ra:
			v.SchlechterInB++
		default:
			v.Gleich++
		}
		if za.Schulnummer != zb.Schulnummer {
			v.AndereSchule++
		}
	}
	v.NurInA = len(inA)
	return v
}
