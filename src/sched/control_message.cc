#include "sched/control_message.h"

#include "sched/wire.h"

namespace junction::sched {

namespace {

// Starts a frame: room for the length, then version and type.
WireWriter StartFrame(MessageType t) {
  WireWriter w;
  w.U32(0);
  w.U16(kControlProtocolVersion);
  w.U16(static_cast<uint16_t>(t));
  return w;
}

std::vector<uint8_t> FinishFrame(WireWriter* w) {
  std::vector<uint8_t>& b = w->bytes();
  uint32_t len = static_cast<uint32_t>(b.size() - sizeof(uint32_t));
  std::memcpy(b.data(), &len, sizeof len);
  return std::move(b);
}

// Reads version and type; true if they are ours and `t`.
bool Expect(WireReader* r, MessageType t) {
  uint16_t version = r->U16();
  uint16_t type = r->U16();
  return r->ok() && version == kControlProtocolVersion && type == static_cast<uint16_t>(t);
}

void PutClass(WireWriter* w, config::CpuClass c) {
  w->U8(c == config::CpuClass::kLatencyCritical ? 1 : 0);
}
config::CpuClass GetClass(WireReader* r) {
  uint8_t v = r->U8();
  if (v > 1) r->Fail();
  return v == 1 ? config::CpuClass::kLatencyCritical : config::CpuClass::kBestEffort;
}

void PutStrings(WireWriter* w, const std::vector<std::string>& v) {
  w->U32(static_cast<uint32_t>(v.size()));
  for (const std::string& s : v) w->Str(s);
}
std::vector<std::string> GetStrings(WireReader* r) {
  std::vector<std::string> v;
  uint32_t n = r->Count(kMaxArgs);
  for (uint32_t i = 0; i < n && r->ok(); i++) v.push_back(r->Str(kMaxArgBytes));
  return v;
}

void PutStatus(WireWriter* w, const ContainerStatus& s) {
  w->U64(s.id);
  w->Str(s.name);
  PutClass(w, s.cls);
  w->U8(static_cast<uint8_t>(s.mode));
  w->U32(static_cast<uint32_t>(s.pids.size()));
  for (int32_t p : s.pids) w->U32(static_cast<uint32_t>(p));
  w->OptU64(s.ip);
  w->U32(s.active);
  w->U32(s.guaranteed);
  w->U32(s.max);
  w->OptU64(s.queue_delay_ns);
  w->OptU64(s.queue_delay_p99_ns);
  w->OptU64(s.uthreads_runnable);
  w->OptU64(s.uthreads_total);
  w->OptU64(s.preemptions);
  w->OptU64(s.rss_bytes);
  w->U64(s.started_unix_ns);
  PutStrings(w, s.command);
  w->U8(s.net ? 1 : 0);
  if (s.net) {
    w->U64(s.net->rx_packets);
    w->U64(s.net->rx_bytes);
    w->U64(s.net->tx_packets);
    w->U64(s.net->tx_bytes);
    w->U32(net::kDropReasons);
    for (uint64_t d : s.net->drops) w->U64(d);
  }
  w->U32(static_cast<uint32_t>(s.scheduled_pids.size()));
  for (int32_t p : s.scheduled_pids) w->U32(static_cast<uint32_t>(p));
  w->U32(static_cast<uint32_t>(s.scheduled_cores.size()));
  for (uint32_t n : s.scheduled_cores) w->U32(n);
}

bool GetStatus(WireReader* r, ContainerStatus* s) {
  s->id = r->U64();
  s->name = r->Str(kMaxNameBytes);
  s->cls = GetClass(r);
  uint8_t mode = r->U8();
  if (mode > 1) r->Fail();
  s->mode = static_cast<ContainerMode>(mode);
  uint32_t npids = r->Count(kMaxPids);
  s->pids.clear();
  for (uint32_t i = 0; i < npids && r->ok(); i++) s->pids.push_back(static_cast<int32_t>(r->U32()));
  s->ip = r->OptU64();
  if (s->ip && *s->ip > 0xffffffffu) r->Fail();
  s->active = r->U32();
  s->guaranteed = r->U32();
  s->max = r->U32();
  s->queue_delay_ns = r->OptU64();
  s->queue_delay_p99_ns = r->OptU64();
  s->uthreads_runnable = r->OptU64();
  s->uthreads_total = r->OptU64();
  s->preemptions = r->OptU64();
  s->rss_bytes = r->OptU64();
  s->started_unix_ns = r->U64();
  s->command = GetStrings(r);
  uint8_t has_net = r->U8();
  if (has_net > 1) r->Fail();
  s->net.reset();
  if (has_net == 1) {
    net::NetCounters c;
    c.rx_packets = r->U64();
    c.rx_bytes = r->U64();
    c.tx_packets = r->U64();
    c.tx_bytes = r->U64();
    // A newer daemon may know more reasons: keep the ones we know.
    uint32_t n = r->Count(64);
    for (uint32_t i = 0; i < n && r->ok(); i++) {
      uint64_t v = r->U64();
      if (i < static_cast<uint32_t>(net::kDropReasons)) c.drops[i] = v;
    }
    s->net = c;
  }
  uint32_t nsched = r->Count(kMaxPids);
  s->scheduled_pids.clear();
  for (uint32_t i = 0; i < nsched && r->ok(); i++)
    s->scheduled_pids.push_back(static_cast<int32_t>(r->U32()));
  uint32_t ncores = r->Count(kMaxPids);
  if (ncores != nsched) r->Fail();
  s->scheduled_cores.clear();
  for (uint32_t i = 0; i < ncores && r->ok(); i++) s->scheduled_cores.push_back(r->U32());
  return r->ok();
}

}  // namespace

const char* ClassName(config::CpuClass c) {
  return c == config::CpuClass::kLatencyCritical ? "latency-critical" : "best-effort";
}

std::vector<uint8_t> EncodeRegisterRequest(const RegisterRequest& m) {
  WireWriter w = StartFrame(MessageType::kRegisterRequest);
  w.Str(m.name);
  PutClass(&w, m.cls);
  w.U32(m.guaranteed);
  w.U32(m.max);
  w.OptU64(m.ip);
  w.U32(static_cast<uint32_t>(m.pid));
  PutStrings(&w, m.command);
  w.U64(m.previous_id);
  w.U8(m.offers_region ? 1 : 0);
  w.OptU64(m.mac);
  return FinishFrame(&w);
}

bool DecodeRegisterRequest(std::span<const uint8_t> payload, RegisterRequest* m) {
  WireReader r(payload);
  if (!Expect(&r, MessageType::kRegisterRequest)) return false;
  m->name = r.Str(kMaxNameBytes);
  m->cls = GetClass(&r);
  m->guaranteed = r.U32();
  m->max = r.U32();
  std::optional<uint64_t> ip = r.OptU64();
  if (ip && *ip > 0xffffffffu) r.Fail();
  m->ip = ip ? std::optional<uint32_t>(static_cast<uint32_t>(*ip)) : std::nullopt;
  m->pid = static_cast<int32_t>(r.U32());
  m->command = GetStrings(&r);
  m->previous_id = r.U64();
  uint8_t offers = r.U8();
  if (offers > 1) r.Fail();
  m->offers_region = offers == 1;
  m->mac = r.OptU64();
  if (m->mac && *m->mac > 0xffffffffffffu) r.Fail();
  return r.ok() && r.at_end();
}

std::vector<uint8_t> EncodeRegisterReply(const RegisterReply& m) {
  WireWriter w = StartFrame(MessageType::kRegisterReply);
  w.U32(static_cast<uint32_t>(m.error));
  w.Str(m.message);
  w.U64(m.container_id);
  return FinishFrame(&w);
}

bool DecodeRegisterReply(std::span<const uint8_t> payload, RegisterReply* m) {
  WireReader r(payload);
  if (!Expect(&r, MessageType::kRegisterReply)) return false;
  m->error = static_cast<int32_t>(r.U32());
  m->message = r.Str(kMaxArgBytes);
  m->container_id = r.U64();
  return r.ok() && r.at_end();
}

std::vector<uint8_t> EncodeNetJoinRequest(const NetJoinRequest& m) {
  WireWriter w = StartFrame(MessageType::kNetJoinRequest);
  w.U64(m.container_id);
  w.U32(m.ip);
  return FinishFrame(&w);
}

std::vector<uint8_t> EncodeTcpHandover(const TcpHandover& m) {
  WireWriter w = StartFrame(MessageType::kTcpHandover);
  w.U32(m.ip);
  w.U32(m.bytes);
  return FinishFrame(&w);
}

bool DecodeTcpHandover(std::span<const uint8_t> payload, TcpHandover* m) {
  WireReader r(payload);
  if (!Expect(&r, MessageType::kTcpHandover)) return false;
  m->ip = r.U32();
  m->bytes = r.U32();
  return r.ok() && r.at_end() && m->bytes <= kMaxHandoverBytes;
}

std::vector<uint8_t> EncodeNetJoinReply(const NetJoinReply& m) {
  WireWriter w = StartFrame(MessageType::kNetJoinReply);
  w.U32(static_cast<uint32_t>(m.error));
  w.Str(m.message);
  w.U32(m.member);
  return FinishFrame(&w);
}

bool DecodeNetJoinRequest(std::span<const uint8_t> payload, NetJoinRequest* m) {
  WireReader r(payload);
  if (!Expect(&r, MessageType::kNetJoinRequest)) return false;
  m->container_id = r.U64();
  m->ip = r.U32();
  return r.ok() && r.at_end();
}

bool DecodeNetJoinReply(std::span<const uint8_t> payload, NetJoinReply* m) {
  WireReader r(payload);
  if (!Expect(&r, MessageType::kNetJoinReply)) return false;
  m->error = static_cast<int32_t>(r.U32());
  m->message = r.Str(kMaxArgBytes);
  m->member = r.U32();
  return r.ok() && r.at_end();
}

std::vector<uint8_t> EncodeSchedJoinRequest(const SchedJoinRequest& m) {
  WireWriter w = StartFrame(MessageType::kSchedJoinRequest);
  w.U64(m.container_id);
  return FinishFrame(&w);
}

std::vector<uint8_t> EncodeSchedJoinReply(const SchedJoinReply& m) {
  WireWriter w = StartFrame(MessageType::kSchedJoinReply);
  w.U32(static_cast<uint32_t>(m.error));
  w.Str(m.message);
  w.U32(m.slot);
  w.U32(m.token);
  return FinishFrame(&w);
}

bool DecodeSchedJoinRequest(std::span<const uint8_t> payload, SchedJoinRequest* m) {
  WireReader r(payload);
  if (!Expect(&r, MessageType::kSchedJoinRequest)) return false;
  m->container_id = r.U64();
  return r.ok() && r.at_end();
}

bool DecodeSchedJoinReply(std::span<const uint8_t> payload, SchedJoinReply* m) {
  WireReader r(payload);
  if (!Expect(&r, MessageType::kSchedJoinReply)) return false;
  m->error = static_cast<int32_t>(r.U32());
  m->message = r.Str(kMaxArgBytes);
  m->slot = r.U32();
  m->token = r.U32();
  return r.ok() && r.at_end();
}

std::vector<uint8_t> EncodeStatusRequest() {
  WireWriter w = StartFrame(MessageType::kStatusRequest);
  return FinishFrame(&w);
}

std::vector<uint8_t> EncodeStatusReply(const std::vector<ContainerStatus>& rows) {
  WireWriter w = StartFrame(MessageType::kStatusReply);
  w.U32(static_cast<uint32_t>(rows.size()));
  for (const ContainerStatus& s : rows) PutStatus(&w, s);
  return FinishFrame(&w);
}

bool DecodeStatusReply(std::span<const uint8_t> payload, std::vector<ContainerStatus>* rows) {
  WireReader r(payload);
  if (!Expect(&r, MessageType::kStatusReply)) return false;
  uint32_t n = r.Count(kMaxContainers);
  rows->clear();
  for (uint32_t i = 0; i < n && r.ok(); i++) {
    ContainerStatus s;
    if (GetStatus(&r, &s)) rows->push_back(std::move(s));
  }
  return r.ok() && r.at_end();
}

std::vector<uint8_t> EncodeContainerStatus(const ContainerStatus& s) {
  WireWriter w;
  w.U16(kControlProtocolVersion);
  PutStatus(&w, s);
  return std::move(w.bytes());
}

bool DecodeContainerStatus(std::span<const uint8_t> bytes, ContainerStatus* s) {
  WireReader r(bytes);
  if (r.U16() != kControlProtocolVersion) return false;
  return GetStatus(&r, s) && r.at_end();
}

std::optional<MessageType> PeekType(std::span<const uint8_t> payload) {
  WireReader r(payload);
  uint16_t version = r.U16();
  uint16_t type = r.U16();
  if (!r.ok() || version != kControlProtocolVersion) return std::nullopt;
  if (type < 1 || type > static_cast<uint16_t>(MessageType::kTcpHandover)) return std::nullopt;
  return static_cast<MessageType>(type);
}

}  // namespace junction::sched
