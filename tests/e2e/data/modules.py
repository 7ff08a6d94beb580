import hashlib, json, re, zlib

doc = {"name": "junction", "values": list(range(20)), "nested": {"a": [1, 2, 3]}}
text = json.dumps(doc, sort_keys=True)
print(text)
print(hashlib.sha256(text.encode()).hexdigest())
packed = zlib.compress(text.encode() * 50)
print(len(packed), zlib.decompress(packed) == text.encode() * 50)
print(re.findall(r"\d+", text)[:10])
print(json.loads(text)["nested"])
