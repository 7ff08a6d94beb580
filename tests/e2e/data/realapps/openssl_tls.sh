# openssl as a TLS server (s_server -WWW and -rev) and client (s_client,
# curl --cacert) over loopback, TLS 1.3 and 1.2, concurrent clients; a
# self-signed certificate made, verified and used to sign.
here=$(cd "$(dirname "$0")/../runtimes" && pwd)
dir=$(mktemp -d); cd "$dir" || exit 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout key.pem -out cert.pem -days 2 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null; echo "req rc=$?"
openssl verify -CAfile cert.pem cert.pem
port=$("$here"/free_port.sh)
mkdir www; seq 20000 > www/data.txt
(cd www && exec openssl s_server -quiet -accept 127.0.0.1:$port -cert ../cert.pem -key ../key.pem -WWW) >/dev/null 2>&1 &
srv=$!
for i in $(seq 200); do curl -s -o /dev/null --cacert cert.pem https://localhost:$port/data.txt && break; sleep 0.1; done
curl -s --cacert cert.pem https://localhost:$port/data.txt | md5sum
curl -s --cacert cert.pem --tlsv1.2 --tls-max 1.2 -w '%{http_code}\n' -o /dev/null https://127.0.0.1:$port/data.txt
(for i in $(seq 8); do curl -s --cacert cert.pem https://localhost:$port/data.txt | md5sum & done; wait) | uniq -c
curl -s https://localhost:$port/data.txt; echo "untrusted rc=$?"
# The session summary; whether a session ticket arrives first is a race.
echo | openssl s_client -connect 127.0.0.1:$port -CAfile cert.pem -verify_return_error 2>/dev/null |
  grep -E '^(Verify return code|New, )'
openssl s_client -connect 127.0.0.1:$port -CAfile cert.pem -tls1_2 </dev/null 2>/dev/null | grep -E '^New, '
# -quiet reads on after its input ends (-ign_eof) until the server closes.
printf 'GET /data.txt HTTP/1.0\r\n\r\n' | openssl s_client -quiet -connect 127.0.0.1:$port -CAfile cert.pem 2>/dev/null | tail -2
kill $srv; wait $srv 2>/dev/null
port=$("$here"/free_port.sh)
openssl s_server -accept 127.0.0.1:$port -cert cert.pem -key key.pem -naccept 1 -rev >/dev/null 2>&1 &
srv=$!
# The client sends a line, waits for its answer, and closes.
for i in $(seq 200); do
  out=$( (printf 'hello tls\n'; sleep 1) | openssl s_client -quiet -no_ign_eof -connect 127.0.0.1:$port -CAfile cert.pem 2>/dev/null) && break
  sleep 0.1
done
echo "$out"
wait $srv; echo "s_server -naccept 1 rc=$?"
openssl enc -aes-256-cbc -pbkdf2 -pass pass:x -in www/data.txt | openssl enc -d -aes-256-cbc -pbkdf2 -pass pass:x | md5sum
openssl x509 -in cert.pem -pubkey -noout > pub.pem
openssl dgst -sha256 -sign key.pem -out sig www/data.txt && openssl dgst -sha256 -verify pub.pem -signature sig www/data.txt
cd / && rm -rf "$dir"
