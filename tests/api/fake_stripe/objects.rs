//! The objects the fake Stripe answers with, in the layout of API version
//! 2026-09-30 that async-stripe 1.0.0-rc.10 reads, and the changes Stripe
//! makes to them.

use super::wire::{metadata, missing, no_such};
use super::{new_id, now, Pending, Recorded, Store, DAY, UNIT_AMOUNT};
use serde_json::{json, Map, Value};

pub fn create_checkout_session(store: &mut Store, base: &str, req: &Recorded) -> (u16, Value) {
    let Some(mode) = req.field("mode") else {
        return missing("mode");
    };
    if let Some(customer) = req.field("customer").filter(|c| !store.customers.contains_key(*c)) {
        return no_such(400, "customer", customer, "customer");
    }
    let id = new_id("cs_test_");
    let trial_days = req
        .field("subscription_data[trial_period_days]")
        .and_then(|d| d.parse().ok());
    let amount = if trial_days.is_some() { 0 } else { UNIT_AMOUNT };
    let now = now();
    let head = json!({
        "id": id, "object": "checkout.session", "adaptive_pricing": null, "after_expiration": null,
        "allow_promotion_codes": null, "amount_subtotal": amount, "amount_total": amount,
        "automatic_tax": {"enabled": false, "liability": null, "provider": null, "status": null},
        "billing_address_collection": null, "cancel_url": req.field("cancel_url"),
        "client_reference_id": req.field("client_reference_id"), "client_secret": null, "collected_information": null,
        "consent": null, "consent_collection": null, "created": now, "currency": "usd", "custom_fields": [],
        "custom_text": {"after_submit": null, "shipping_address": null, "submit": null,
            "terms_of_service_acceptance": null},
        "customer": req.field("customer"), "customer_creation": null, "customer_details": null,
        "customer_email": req.field("customer_email"), "discounts": [], "expires_at": now + DAY,
    });
    let tail = json!({
        "invoice": null, "invoice_creation": null, "livemode": false, "locale": null,
        "metadata": metadata(req, "metadata"), "mode": mode, "payment_intent": null, "payment_link": null,
        "payment_method_collection": "always", "payment_method_configuration_details": null,
        "payment_method_options": null, "payment_method_types": ["card"], "payment_status": "unpaid",
        "phone_number_collection": null, "recovered_from": null, "saved_payment_method_options": null,
        "setup_intent": null, "shipping_address_collection": null, "shipping_cost": null, "shipping_options": [],
        "status": "open", "submit_type": null, "subscription": null, "success_url": req.field("success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0, "breakdown": null},
        "ui_mode": "hosted_page", "url": format!("{base}/pay/{id}"), "wallet_options": null,
    });
    let session = merged(head, tail);
    let pending = Pending {
        price: req.field("line_items[0][price]").map(str::to_owned),
        trial_days,
        metadata: metadata(req, "subscription_data[metadata]"),
    };
    store.pending.insert(id.clone(), pending);
    store.sessions.insert(id, session.clone());
    (200, session)
}

pub fn customer_object(id: &str, email: Option<&str>, name: Option<&str>, metadata: Map<String, Value>) -> Value {
    json!({
        "id": id, "object": "customer", "address": null, "balance": 0, "created": now(), "currency": null,
        "default_source": null, "delinquent": false, "description": null, "discount": null, "email": email,
        "invoice_prefix": id[4..12].to_uppercase(), "invoice_settings": {"custom_fields": null,
            "default_payment_method": null, "footer": null, "rendering_options": null},
        "livemode": false, "metadata": metadata, "name": name, "next_invoice_sequence": 1, "phone": null,
        "preferred_locales": [], "shipping": null, "tax_exempt": "none", "test_clock": null,
    })
}

pub fn subscription_object(
    id: &str,
    customer: &str,
    price: &str,
    trial: Option<i64>,
    meta: Map<String, Value>,
) -> Value {
    let now = now();
    let item = json!({
        "id": new_id("si_"), "object": "subscription_item", "billing_thresholds": null, "created": now,
        "current_period_end": now + 30 * DAY, "current_period_start": now, "discounts": [], "metadata": {},
        "plan": plan_object(price, now), "price": price_object(price, now), "quantity": 1, "subscription": id,
        "tax_rates": [],
    });
    let head = json!({
        "id": id, "object": "subscription", "application": null, "application_fee_percent": null,
        "automatic_tax": {"disabled_reason": null, "enabled": false, "liability": null},
        "billing_cycle_anchor": trial.unwrap_or(now), "billing_cycle_anchor_config": null,
        "billing_mode": {"type": "flexible", "flexible": {"proration_discounts": "included"}, "updated_at": now},
        "billing_schedules": [], "billing_thresholds": null, "cancel_at": null, "cancel_at_period_end": false,
        "canceled_at": null, "cancellation_details": {"comment": null, "feedback": null, "reason": null},
        "collection_method": "charge_automatically", "created": now, "currency": "usd", "customer": customer,
        "customer_account": null, "days_until_due": null, "default_payment_method": null, "default_source": null,
        "default_tax_rates": [], "description": null, "discounts": [], "ended_at": null,
    });
    let tail = json!({
        "invoice_settings": {"account_tax_ids": null, "issuer": {"type": "self"}},
        "items": {"object": "list", "data": [item], "has_more": false, "total_count": 1,
            "url": format!("/v1/subscription_items?subscription={id}")},
        "latest_invoice": null, "livemode": false, "metadata": meta, "next_pending_invoice_item_invoice": null,
        "on_behalf_of": null, "pause_collection": null, "payment_settings": {"payment_method_options": null,
            "payment_method_types": null, "save_default_payment_method": "off"},
        "pending_invoice_item_interval": null, "pending_setup_intent": null, "pending_update": null,
        "schedule": null, "start_date": now, "status": if trial.is_some() { "trialing" } else { "active" },
        "test_clock": null, "transfer_data": null, "trial_end": trial,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": trial.map(|_| now),
    });
    merged(head, tail)
}

pub fn price_object(price: &str, created: i64) -> Value {
    json!({
        "id": price, "object": "price", "active": true, "billing_scheme": "per_unit", "created": created,
        "currency": "usd", "custom_unit_amount": null, "livemode": false, "lookup_key": null, "metadata": {},
        "nickname": null, "product": product_id(price), "recurring": {"interval": "month", "interval_count": 1,
            "meter": null, "trial_period_days": null, "usage_type": "licensed"},
        "tax_behavior": "unspecified", "tiers_mode": null, "transform_quantity": null, "type": "recurring",
        "unit_amount": UNIT_AMOUNT, "unit_amount_decimal": UNIT_AMOUNT.to_string(),
    })
}

pub fn plan_object(price: &str, created: i64) -> Value {
    json!({
        "id": price, "object": "plan", "active": true, "amount": UNIT_AMOUNT, "amount_decimal": UNIT_AMOUNT.to_string(),
        "billing_scheme": "per_unit", "created": created, "currency": "usd", "interval": "month",
        "interval_count": 1, "livemode": false, "metadata": {}, "meter": null, "nickname": null,
        "product": product_id(price), "tiers_mode": null, "transform_usage": null, "trial_period_days": null,
        "usage_type": "licensed",
    })
}

pub fn product_id(price: &str) -> String {
    format!("prod_{}", price.trim_start_matches("price_"))
}

/// Puts the first item on `price`, as an update with `items[0][price]` does.
pub fn set_price(sub: &mut Value, price: &str) {
    let item = &mut sub["items"]["data"][0];
    let created = item["created"].as_i64().unwrap_or_else(now);
    item["price"] = price_object(price, created);
    item["plan"] = plan_object(price, created);
}

/// Sets or clears `cancel_at_period_end` and the `cancel_at`/`canceled_at` Stripe derives from it.
pub fn set_cancel(sub: &mut Value, on: bool) {
    let period_end = sub["items"]["data"][0]["current_period_end"].clone();
    sub["cancel_at_period_end"] = json!(on);
    sub["cancel_at"] = if on { period_end } else { Value::Null };
    sub["canceled_at"] = json!(on.then(now));
}

/// `b`'s fields added to object `a` (one `json!` per half keeps each under the macro recursion limit).
pub fn merged(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

/// What an invoice is about; the rest of it follows from the subscription item and the customer.
pub struct Invoice<'a> {
    pub id: &'a str,
    pub sub_id: &'a str,
    pub status: &'a str,
    pub amount_cents: i64,
    pub number: &'a str,
    pub base: &'a str,
}

/// A finalized invoice in API version 2026-09-30's layout.
pub fn invoice_object(invoice: &Invoice<'_>, item: &Value, customer: &Value) -> Value {
    let (id, sub_id, status, amount_cents, number) = (
        invoice.id,
        invoice.sub_id,
        invoice.status,
        invoice.amount_cents,
        invoice.number,
    );
    let paid = invoice.status == "paid";
    let (start, end) = (&item["current_period_start"], &item["current_period_end"]);
    let now = now();
    let line = json!({
        "id": new_id("il_"), "object": "line_item", "amount": amount_cents, "currency": "usd",
        "description": format!("1 × Autopilot (at ${}.{:02} / month)", amount_cents / 100, amount_cents % 100),
        "discount_amounts": [], "discountable": true,
        "discounts": [], "invoice": invoice.id, "livemode": false, "metadata": {},
        "parent": {"type": "subscription_item_details", "invoice_item_details": null, "subscription_item_details": {
            "invoice_item": null, "proration": false, "proration_details": {"credited_items": null},
            "subscription": sub_id, "subscription_item": item["id"]}},
        "period": {"end": end, "start": start}, "pretax_credit_amounts": [],
        "pricing": {"type": "price_details", "unit_amount_decimal": amount_cents.to_string(),
            "price_details": {"price": item["price"]["id"], "product": item["price"]["product"]}},
        "quantity": 1, "quantity_decimal": "1", "taxes": [], "subtotal": amount_cents,
    });
    let head = json!({
        "id": invoice.id, "object": "invoice", "account_country": "US", "account_name": "Autopilot",
        "account_tax_ids": null,
        "amount_due": amount_cents, "amount_overpaid": 0, "amount_paid": if paid { amount_cents } else { 0 },
        "amount_remaining": if paid { 0 } else { amount_cents }, "amount_shipping": 0, "application": null,
        "attempt_count": 1, "attempted": true, "auto_advance": !paid, "billing_reason": "subscription_cycle",
        "automatic_tax": {"disabled_reason": null, "enabled": false, "liability": null, "provider": null,
            "status": null},
        "collection_method": "charge_automatically", "created": now, "currency": "usd", "custom_fields": null,
        "customer": customer["id"], "customer_email": customer["email"], "customer_name": customer["name"],
        "default_payment_method": null, "default_source": null, "default_tax_rates": [], "description": null,
        "discounts": [], "due_date": null, "effective_at": now, "ending_balance": 0, "footer": null,
    });
    let tail = json!({
        "hosted_invoice_url": format!("{}/invoice/{id}", invoice.base),
        "invoice_pdf": format!("{}/invoice/{id}/pdf", invoice.base), "issuer": {"type": "self"},
        "last_finalization_error": null, "latest_revision": null, "livemode": false, "metadata": {},
        "lines": {"object": "list", "data": [line], "has_more": false, "total_count": 1,
            "url": format!("/v1/invoices/{id}/lines")},
        "next_payment_attempt": (!paid).then_some(now + 3 * DAY), "number": number,
        "on_behalf_of": null, "parent": {"type": "subscription_details", "quote_details": null,
            "subscription_details": {"metadata": {}, "subscription": sub_id}},
        "payment_settings": {"default_mandate": null, "payment_method_options": null, "payment_method_types": null},
        "period_end": end, "period_start": start, "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0, "receipt_number": null, "rendering": null, "shipping_cost": null,
        "shipping_details": null, "starting_balance": 0, "statement_descriptor": null, "status": status,
        "status_transitions": {"finalized_at": now, "marked_uncollectible_at": null,
            "paid_at": paid.then_some(now), "voided_at": null},
        "subtotal": amount_cents, "subtotal_excluding_tax": amount_cents,
        "test_clock": null, "total": amount_cents, "total_discount_amounts": [],
        "total_excluding_tax": amount_cents,
        "total_pretax_credit_amounts": [], "total_taxes": [], "webhooks_delivered_at": now,
    });
    merged(head, tail)
}
