package demo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"
)

// demoAccount is an account of the demo: the requests per second Ometria allows it, and
// whether it derives products from orders and product views (gamma: as a shop without a
// catalogue feed would; its catalogue events are there too).
type demoAccount struct {
	name           string
	rate           float64
	deriveProducts bool
}

// baseAccounts are the demo's first accounts; more are shop04, shop05, ... at 4/s.
var baseAccounts = []demoAccount{{"acme", 4, false}, {"beta", 4, false}, {"gamma", 8, true}}

// demoAccounts returns n accounts (at least 1): the base ones first, then shopNN.
func demoAccounts(n int) []demoAccount {
	n = max(n, 1)
	out := slices.Clone(baseAccounts[:min(n, len(baseAccounts))])
	for i := len(out) + 1; i <= n; i++ {
		out = append(out, demoAccount{name: fmt.Sprintf("shop%02d", i), rate: 4})
	}
	return out
}

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Katherine", "Edsger", "Barbara", "Linus", "Margaret", "Dennis", "Radia"}
	lastNames  = []string{"Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra", "Liskov", "Torvalds", "Hamilton", "Ritchie", "Perlman"}
	products   = []string{"P100", "P200", "P300", "P400", "P500"}
	names      = []string{"Linen Shirt", "Wool Scarf", "Felt Hat", "Canvas Tote", "Leather Belt"}
	customs    = []string{"Product Viewed", "Product Added", "Checkout Started", "Wishlist Product Added", "Newsletter Signup"}
)

// events makes n sample events: the catalogue of each demo account first (a product
// created event for each of its products), then identify, custom events, orders, product
// stock and price updates for the demo accounts (named by the ometria-account header, or
// none: the topic's route), a few page views (skipped) and a few bad events
// (dead-lettered), in a fixed pseudo-random order. The catalogue events of an account share
// a key, so that they stay in order: a stock update reaches Ometria after its product.
func events(n int, topic string, accounts []demoAccount) []kafka.Message {
	r := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	msgs := make([]kafka.Message, 0, n)
	catalogue := func(acct string, ev map[string]any) kafka.Message {
		value, _ := json.Marshal(ev)
		m := kafka.Message{Topic: topic, Key: []byte("catalogue-" + acct), Value: value}
		if acct != accounts[0].name {
			m.Headers = []kafka.Header{{Key: "ometria-account", Value: []byte(acct)}}
		}
		return m
	}
	for _, a := range accounts {
		for p, id := range products {
			if len(msgs) == n {
				return msgs
			}
			msgs = append(msgs, catalogue(a.name, map[string]any{"type": "track", "event": "Product Created", "messageId": fmt.Sprint("cat-", a.name, "-", id),
				"timestamp": base.Format(time.RFC3339), "anonymousId": "catalogue",
				"properties": map[string]any{"product_id": id, "sku": id, "name": names[p], "price": 19.5 + float64(p), "currency": "GBP",
					"url": "https://shop.example.com/p/" + id, "image_url": "https://cdn.example.com/" + id + ".jpg",
					"brand": "Acme", "category": "Clothing", "stock": 10 + p}}))
		}
	}
	for i := len(msgs); i < n; i++ {
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
			p := r.IntN(len(products))
			ev = map[string]any{"type": "track", "event": customs[r.IntN(len(customs))], "userId": fmt.Sprint("u", user),
				"messageId": fmt.Sprint("m", i), "timestamp": ts, "context": map[string]any{"traits": map[string]any{"email": email}},
				"properties": map[string]any{"product_id": products[p], "sku": products[p], "name": names[p], "value": r.IntN(200)}}
		case k < 92:
			qty := 1 + r.IntN(3)
			p := r.IntN(len(products))
			ev = map[string]any{"type": "track", "event": "Order Completed", "userId": fmt.Sprint("u", user),
				"messageId": fmt.Sprint("m", i), "timestamp": ts, "context": map[string]any{"traits": map[string]any{"email": email}},
				"properties": map[string]any{"order_id": fmt.Sprint("o", i), "total": 19.5 * float64(qty), "currency": "GBP",
					"products": []any{map[string]any{"product_id": products[p], "name": names[p], "quantity": qty, "price": 19.5}}}}
		case k < 95:
			// A stock change or a sale price: a partial product, merged into the catalogue's.
			props := map[string]any{"product_id": products[r.IntN(len(products))], "stock": r.IntN(3)}
			if r.IntN(2) == 0 {
				props = map[string]any{"product_id": props["product_id"], "sale_price": 15, "currency": "GBP"}
			}
			msgs = append(msgs, catalogue(acct, map[string]any{"type": "track", "event": "Product Updated", "messageId": fmt.Sprint("m", i),
				"timestamp": ts, "anonymousId": "catalogue", "properties": props}))
			continue
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
