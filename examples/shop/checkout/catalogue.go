package checkout

// Item is a product the shop sells. Prices are per currency, in minor
// units, because a price is never converted at checkout: an item without a
// price in the order's currency cannot be bought in it.
type Item struct {
	Name   string           `json:"name"`
	Prices map[string]int64 `json:"prices"`
}

// DefaultCatalogue is the catalogue of a shop configured with none.
var DefaultCatalogue = map[string]Item{
	"tshirt":  {Name: "T-shirt", Prices: map[string]int64{"usd": 1999, "eur": 1899, "gbp": 1599, "jpy": 2900, "kwd": 6150}},
	"mug":     {Name: "Mug", Prices: map[string]int64{"usd": 1250, "eur": 1150, "gbp": 999, "jpy": 1800, "kwd": 3850}},
	"sticker": {Name: "Sticker", Prices: map[string]int64{"usd": 300, "eur": 275, "gbp": 250, "jpy": 450, "kwd": 930}},
	"hoodie":  {Name: "Hoodie", Prices: map[string]int64{"usd": 4999, "eur": 4599, "gbp": 3999, "jpy": 7400, "kwd": 15390}},
}

// LineItem is one line of an order request.
type LineItem struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}
