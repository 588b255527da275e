package planung

import "math"

// lpMax maximises c·y subject to A·y = b and y ≥ 0 with the two-phase
// simplex method (Bland's rule, so it cannot cycle). feasible is false
// when no y satisfies the constraints; unbounded when c·y has no maximum.
// The systems here are small (the suppressed entries of one table) and
// totally unimodular (a table with its totals is a network), so the
// optimum is integral up to rounding.
func lpMax(A [][]float64, b, c []float64) (val float64, unbounded, feasible bool) {
	m, n := len(A), len(c)
	w := n + m + 1 // original columns, one artificial per row, right-hand side
	T := make([][]float64, m)
	basis := make([]int, m)
	for i := range m {
		T[i] = make([]float64, w)
		sign := 1.0
		if b[i] < 0 {
			sign = -1
		}
		for j := range n {
			T[i][j] = sign * A[i][j]
		}
		T[i][n+i] = 1
		T[i][w-1] = sign * b[i]
		basis[i] = n + i
	}
	// Phase 1: maximise -Σ artificials; feasible when that reaches 0.
	cost := make([]float64, n+m)
	for j := n; j < n+m; j++ {
		cost[j] = -1
	}
	simplex(T, basis, cost, n+m)
	if lpObjective(T, basis, cost) < -lpEps*float64(1+m) {
		return 0, false, false
	}
	// Artificials left in the basis (at 0) leave it where a real column
	// can take their place; a row without one is redundant and stays.
	for i := range basis {
		if basis[i] < n {
			continue
		}
		for j := range n {
			if math.Abs(T[i][j]) > lpEps {
				pivot(T, basis, i, j)
				break
			}
		}
	}
	// Phase 2: the real objective; artificials may no longer enter.
	cost = make([]float64, n+m)
	copy(cost, c)
	if simplex(T, basis, cost, n) {
		return 0, true, true
	}
	return lpObjective(T, basis, cost), false, true
}

const lpEps = 1e-9

// simplex pivots until no column below allowed improves the objective;
// it reports true when the objective is unbounded.
func simplex(T [][]float64, basis []int, cost []float64, allowed int) (unbounded bool) {
	m := len(T)
	if m == 0 {
		for j := range allowed {
			if cost[j] > lpEps {
				return true
			}
		}
		return false
	}
	w := len(T[0])
	inBasis := make([]bool, len(cost))
	for _, bv := range basis {
		inBasis[bv] = true
	}
	for range 100000 {
		enter := -1
		for j := range allowed {
			if inBasis[j] {
				continue
			}
			d := cost[j]
			for i := range m {
				d -= cost[basis[i]] * T[i][j]
			}
			if d > lpEps {
				enter = j // Bland: the first improving column
				break
			}
		}
		if enter < 0 {
			return false
		}
		leave := -1
		best := 0.0
		for i := range m {
			if T[i][enter] > lpEps {
				r := T[i][w-1] / T[i][enter]
				if leave < 0 || r < best-lpEps || (r < best+lpEps && basis[i] < basis[leave]) {
					leave, best = i, r
				}
			}
		}
		if leave < 0 {
			return true
		}
		inBasis[basis[leave]] = false
		inBasis[enter] = true
		pivot(T, basis, leave, enter)
	}
	return false
}

func pivot(T [][]float64, basis []int, r, col int) {
	w := len(T[r])
	p := T[r][col]
	for j := range w {
		T[r][j] /= p
	}
	for i := range T {
		if i == r || T[i][col] == 0 {
			continue
		}
		f := T[i][col]
		for j := range w {
			T[i][j] -= f * T[r][j]
		}
	}
	basis[r] = col
}

func lpObjective(T [][]float64, basis []int, cost []float64) float64 {
	v := 0.0
	for i, bv := range basis {
		v += cost[bv] * T[i][len(T[i])-1]
	}
	return v
}
