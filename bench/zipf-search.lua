-- wrk: GET /videos?search=<term>, the term drawn from 1,000 by a Zipf law (rank r with weight 1/r). The five
-- commonest are the technique words in every fifth title; the rest are the t1..t1000 tags each title carries one of.
local common = { "kimura", "armbar", "triangle", "uppercut", "knockout" }
local terms, cdf, total = {}, {}, 0
for r = 1, 1000 do
  terms[r] = common[r] or ("t" .. (r * 7) % 1000 + 1)
  total = total + 1 / r
  cdf[r] = total
end
math.randomseed(42)

request = function()
  local x, lo, hi = math.random() * total, 1, 1000
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < x then lo = mid + 1 else hi = mid end
  end
  return wrk.format("GET", "/videos?search=" .. terms[lo])
end
