package schulpflicht

// JaroWinkler returns the Jaro-Winkler similarity of two folded words
// (0 = nothing in common, 1 = equal), with the usual prefix scale 0.1 and
// a common prefix of at most four letters. It works on bytes: the matcher
// compares words that Falte has reduced to a–z.
func JaroWinkler(a, b string) float64 {
	if a == b {
		if a == "" {
			return 0
		}
		return 1
	}
	if a == "" || b == "" {
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	window := len(b)/2 - 1
	if window < 0 {
		window = 0
	}
	var bufA, bufB [64]bool
	var ma, mb []bool
	if len(b) <= 64 {
		ma, mb = bufA[:len(a)], bufB[:len(b)]
	} else {
		ma, mb = make([]bool, len(a)), make([]bool, len(b))
	}
	matches := 0
	for i := 0; i < len(a); i++ {
		lo, hi := max(0, i-window), min(len(b)-1, i+window)
		for j := lo; j <= hi; j++ {
			if !mb[j] && a[i] == b[j] {
				ma[i], mb[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	transpositions, j := 0, 0
	for i := 0; i < len(a); i++ {
		if !ma[i] {
			continue
		}
		for !mb[j] {
			j++
		}
		if a[i] != b[j] {
			transpositions++
		}
		j++
	}
	m := float64(matches)
	jaro := (m/float64(len(a)) + m/float64(len(b)) + (m-float64(transpositions/2))/m) / 3
	prefix := 0
	for prefix < 4 && prefix < len(a) && a[prefix] == b[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}
