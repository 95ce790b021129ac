package io.tradekit.redis;

import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One Redis Stream entry as read by a consumer group: stream key, entry id and its fields (null
 * fields = the entry was deleted while pending). Parses XREADGROUP/XAUTOCLAIM replies in both RESP2
 * (array of [stream, entries]) and RESP3 (map stream → entries) shapes.
 */
public record StreamEntry(String stream, String id, Map<String, String> fields) {

  /** @return the entries of an XREADGROUP reply; empty for a BLOCK timeout (null reply) */
  public static List<StreamEntry> fromReadGroup(Response reply) {
    if (reply == null) {
      return List.of();
    }
    List<StreamEntry> entries = new ArrayList<>();
    Set<String> keys = mapKeys(reply);
    if (keys != null) {
      for (String stream : keys) {
        addEntries(stream, reply.get(stream), entries);
      }
    } else {
      for (int i = 0; i < reply.size(); i++) {
        Response item = reply.get(i);
        addEntries(item.get(0).toString(), item.get(1), entries);
      }
    }
    return entries;
  }

  /** @return the claimed entries of an XAUTOCLAIM reply ([next-cursor, entries, deleted-ids]) */
  public static List<StreamEntry> fromAutoClaim(String stream, Response reply) {
    List<StreamEntry> entries = new ArrayList<>();
    if (reply != null && reply.size() > 1) {
      addEntries(stream, reply.get(1), entries);
    }
    return entries;
  }

  /** @return the keys of a RESP3 map reply, or null when it is not a (non-empty) map */
  static Set<String> mapKeys(Response reply) {
    try {
      Set<String> keys = reply.getKeys();
      return keys == null || keys.isEmpty() ? null : keys;
    } catch (RuntimeException notAMap) {
      return null;
    }
  }

  private static void addEntries(String stream, Response list, List<StreamEntry> out) {
    if (list == null) {
      return;
    }
    for (int i = 0; i < list.size(); i++) {
      Response entry = list.get(i);
      String id = entry.get(0).toString();
      Response flat = entry.size() > 1 ? entry.get(1) : null;
      if (flat == null) {
        out.add(new StreamEntry(stream, id, null));
        continue;
      }
      Map<String, String> fields = new LinkedHashMap<>();
      for (int f = 0; f + 1 < flat.size(); f += 2) {
        fields.put(flat.get(f).toString(), flat.get(f + 1) == null ? null : flat.get(f + 1).toString());
      }
      out.add(new StreamEntry(stream, id, Collections.unmodifiableMap(fields)));
    }
  }
}
