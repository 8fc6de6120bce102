-- wrk script for bench/intake.py: unique external ids per request, a pool of customers so
-- that some messages open cases and others are threaded into existing ones.
local counter = 0
local thread_id = 0
local token = os.getenv("KS_BENCH_TOKEN") or ""
local run = os.getenv("KS_BENCH_RUN") or "r"
local customers = tonumber(os.getenv("KS_BENCH_CUSTOMERS") or "2000")
local bodies = {
  "Mijn pas is geblokkeerd na drie keer een verkeerde pincode.",
  "I was charged twice for the same transfer, please refund.",
  "Ik kan niet inloggen in de app sinds de update.",
  "How do I change the address on my account?",
}
local channels = {"email", "chat", "whatsapp", "sms", "web_form"}

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function request()
  counter = counter + 1
  local n = (counter * 7919 + (tid or 0) * 104729) % customers
  local body = string.format(
    '{"channel":"%s","body":"%s","external_id":"%s-%d-%d","contact":{"kind":"email","value":"klant%d@voorbeeld.nl"},"language":"nl"}',
    channels[(counter % #channels) + 1], bodies[(counter % #bodies) + 1], run, tid or 0, counter, n)
  return wrk.format("POST", "/api/v1/messages/inbound",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

function response(status, headers, body)
  if status ~= 201 and status ~= 200 then
    errors_seen = (errors_seen or 0) + 1
  end
end
