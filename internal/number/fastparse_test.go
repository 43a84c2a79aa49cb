package number

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestFastPathAgreesWithPhonenumbers checks the ported parse-and-validate
// steps against phonenumbers itself on random digit strings in many
// regions: same verdict, E.164, region and type.
func TestFastPathAgreesWithPhonenumbers(t *testing.T) {
	regions := []string{"US", "GB", "DE", "FR", "CN", "JP", "IN", "BR", "CA", "IT", "AR", "MX", "AU", "RU", "KZ",
		"NL", "CH", "AT", "ES", "KR", "SG", "ZA", "NG", "GG", "JM", "HU", "ZZ"}
	prefixes := []string{"", "", "0", "0", "1", "00", "011", "8", "9", "+1", "+44", "+49", "+33", "+86", "+81", "+91",
		"+55", "+39", "+7", "+54", "+52", "+61", "+0", "+800", "+882", "+3", "+2"}
	r := rand.New(rand.NewPCG(4, 2))
	n := 20000
	if testing.Short() {
		n = 4000
	}
	fallbacks, valid := 0, 0
	for i := 0; i < n; i++ {
		region := regions[r.IntN(len(regions))]
		key := prefixes[r.IntN(len(prefixes))]
		for l := 3 + r.IntN(12); l > 0; l-- {
			key += strconv.Itoa(r.IntN(10))
		}
		// Half of them from a valid example number, so that the valid
		// branches are exercised too.
		fast, fb := fastLookup(key, region)
		if fb {
			fallbacks++
			continue
		}
		slow := slowLookup(key, region)
		if fast != slow {
			t.Errorf("%s %q: fast %+v, phonenumbers %+v", region, key, fast, slow)
		}
		if fast.ok {
			valid++
		}
	}
	for _, ex := range exampleKeys() {
		fast, fb := fastLookup(ex.key, ex.region)
		if fb {
			fallbacks++
			continue
		}
		if slow := slowLookup(ex.key, ex.region); fast != slow {
			t.Errorf("%s %q: fast %+v, phonenumbers %+v", ex.region, ex.key, fast, slow)
		}
		if fast.ok {
			valid++
		}
	}
	t.Logf("%d valid, %d handed to phonenumbers", valid, fallbacks)
}

type exampleKey struct{ region, key string }

// exampleKeys are the example numbers of every type in the metadata,
// written with a plus, nationally with and without the national prefix.
func exampleKeys() []exampleKey {
	var out []exampleKey
	types := []PhoneType{phoneTypes[0], phoneTypes[1], phoneTypes[2], phoneTypes[3], phoneTypes[4]}
	for region := range supportedRegions() {
		for _, pt := range types {
			e164, nsn, np, ok := exampleNumber(region, pt)
			if !ok {
				continue
			}
			out = append(out, exampleKey{region, e164}, exampleKey{region, nsn}, exampleKey{region, np + nsn}, exampleKey{"US", e164}, exampleKey{"DE", np + nsn})
		}
	}
	return out
}
