package demo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/segmentio/kafka-go"
)

// Accounts of the demo, and the requests per second Ometria allows each.
var accounts = []struct {
	name string
	rate float64
}{{"acme", 4}, {"beta", 4}, {"gamma", 8}}

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Katherine", "Edsger", "Barbara", "Linus", "Margaret", "Dennis", "Radia"}
	lastNames  = []string{"Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra", "Liskov", "Torvalds", "Hamilton", "Ritchie", "Perlman"}
	products   = []string{"P100", "P200", "P300", "P400", "P500"}
	customs    = []string{"Product Viewed", "Product Added", "Checkout Started", "Wishlist Product Added", "Newsletter Signup"}
)

// events makes n sample events: identify, custom events and orders for the demo
// accounts (named by the ometria-account header, or none: the topic's route), a few page
// views (skipped) and a few bad events (dead-lettered), in a fixed pseudo-random order.
func events(n int, topic string) []kafka.Message {
	r := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	msgs := make([]kafka.Message, 0, n)
	for i := 0; i < n; i++ {
		acct := accounts[r.IntN(len(accounts))].name
		user := r.IntN(300)
		first, last := firstNames[user%len(firstNames)], lastNames[(user/len(firstNames))%len(lastNames)]
		email := fmt.Sprintf("%s.%s%d@example.com", first, last, user)
		ts := base.Add(time.Duration(i) * time.Second).Format(time.RFC3339)
		var ev map[string]any
		switch k := r.IntN(100); {
		case k < 40:
			ev = map[string]any{"type": "identify", "userId": fmt.Sprint("u", user), "messageId": fmt.Sprint("m", i), "timestamp": ts,
				"traits": map[string]any{"listingId": fmt.Sprint("l", user), "email": email, "name": first + " " + last,
					"phone": fmt.Sprintf("07911 %06d", 100000+user), "plan": []string{"free", "club", "gold"}[user%3]}}
		case k < 75:
			ev = map[string]any{"type": "track", "event": customs[r.IntN(len(customs))], "userId": fmt.Sprint("u", user),
				"messageId": fmt.Sprint("m", i), "timestamp": ts, "context": map[string]any{"traits": map[string]any{"email": email}},
				"properties": map[string]any{"sku": products[r.IntN(len(products))], "value": r.IntN(200)}}
		case k < 95:
			qty := 1 + r.IntN(3)
			ev = map[string]any{"type": "track", "event": "Order Completed", "userId": fmt.Sprint("u", user),
				"messageId": fmt.Sprint("m", i), "timestamp": ts, "context": map[string]any{"traits": map[string]any{"email": email}},
				"properties": map[string]any{"order_id": fmt.Sprint("o", i), "total": 19.5 * float64(qty), "currency": "GBP",
					"products": []any{map[string]any{"product_id": products[r.IntN(len(products))], "quantity": qty, "price": 19.5}}}}
		case k < 97:
			ev = map[string]any{"type": "page", "name": "Home", "userId": fmt.Sprint("u", user)}
		default:
			ev = badEvent(r, i, ts)
		}
		value, _ := json.Marshal(ev)
		if ev == nil {
			value = []byte(`{"type":"identify","traits":`) // truncated: invalid JSON
		}
		m := kafka.Message{Topic: topic, Key: []byte(fmt.Sprint("u", user)), Value: value}
		if acct != accounts[0].name { // the first account is the topic's route
			m.Headers = []kafka.Header{{Key: "ometria-account", Value: []byte(acct)}}
		}
		msgs = append(msgs, m)
	}
	return msgs
}

// badEvent returns an event that must be dead-lettered (nil: invalid JSON).
func badEvent(r *rand.Rand, i int, ts string) map[string]any {
	switch r.IntN(4) {
	case 0:
		return map[string]any{"type": "identify", "userId": fmt.Sprint("u", i), "traits": map[string]any{"listingId": fmt.Sprint("l", i)}}
	case 1:
		return map[string]any{"type": "track", "event": "Order Completed", "userId": "u1", "timestamp": ts,
			"context":    map[string]any{"traits": map[string]any{"email": "a@example.com"}},
			"properties": map[string]any{"order_id": fmt.Sprint("bad", i), "total": 10, "currency": "XXX"}}
	case 2:
		return map[string]any{"type": "track", "event": "Product Viewed", "userId": "u1", "messageId": fmt.Sprint("bad", i), "timestamp": "yesterday",
			"context": map[string]any{"traits": map[string]any{"email": "a@example.com"}}}
	}
	return nil
}
