package mapper

import "testing"

func TestSlotNamesRoundTrip(t *testing.T) {
	for k := kNone + 1; k < nSlots; k++ {
		if slotNames[k] == "" || slotOf([]byte(slotNames[k])) != k {
			t.Errorf("slot %d: name %q classifies as %d", k, slotNames[k], slotOf([]byte(slotNames[k])))
		}
	}
	if slotOf([]byte("nope")) != kNone {
		t.Error("an unknown key has a slot")
	}
}

func TestObjectRepeatedKeyLastWins(t *testing.T) {
	var o object
	o.index(appendMembers(nil, []byte(`{"email":"a","x":1,"email":"b"}`)))
	if got := string(o.get(kEmail).raw); got != `"b"` {
		t.Fatalf("get(email) = %s, want the last one", got)
	}
	if o.get(kPhone).exists() {
		t.Fatal("absent key found")
	}
}
