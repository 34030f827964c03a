// Package editdist measures how far apart two strings are, to suggest what the user
// probably meant ("did you mean us-west-2?").
package editdist

// Distance returns the Levenshtein distance between a and b in bytes, or limit when the
// distance is at least limit (a limit <= 0 means no limit). Bounding the work by limit
// keeps suggestions cheap for long or hostile input.
func Distance(a, b string, limit int) int {
	if limit > 0 {
		if d := len(a) - len(b); d >= limit || -d >= limit {
			return limit
		}
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if limit > 0 && rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	if limit > 0 {
		return min(prev[len(b)], limit)
	}
	return prev[len(b)]
}

// Closest returns the candidate nearest to s and its distance, when that distance is at
// most maxDist; else "" and -1. Ties go to the candidate for which less(candidate, best)
// is true, or, when less is nil, to the first in order.
func Closest(s string, candidates []string, maxDist int, less func(a, b string) bool) (string, int) {
	best, bestDist := "", maxDist+1
	for _, c := range candidates {
		d := Distance(s, c, maxDist+1)
		if d < bestDist || (d == bestDist && best != "" && less != nil && less(c, best)) {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return "", -1
	}
	return best, bestDist
}
