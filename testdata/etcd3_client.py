"""The seed blog post's python-etcd3 calls, run against an etcdlab cluster.

usage: /usr/bin/python3 etcd3_client.py HOST PORT [CA_CERT USER PASSWORD]

With CA_CERT, USER and PASSWORD it connects as serve prints for a lab
started with --tls --auth.

It makes the post's calls in the post's way (etcd3.client(host=..., port=...),
put, get, delete, get_prefix, get_all) plus status(), and prints one line per
call for main_clients_test.go to check. Any exception ends it with a
traceback and a non-zero exit status.
"""
import sys

import etcd3


def decoded(result):
    # The post's own decoding of a get: the value, or None when missing.
    return result[0].decode() if result[0] else result[0]


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    if len(sys.argv) == 6:
        etcd = etcd3.client(host=host, port=port, ca_cert=sys.argv[3],
                            user=sys.argv[4], password=sys.argv[5])
    else:
        etcd = etcd3.client(host=host, port=port)

    result = etcd.put('greeting', 'hello, world!')
    print('put greeting: revision=%d raft_term=%d'
          % (result.header.revision, result.header.raft_term))

    result = etcd.get('greeting')
    print('get greeting: %r key=%r' % (decoded(result), result[1].key.decode()))

    result = etcd.delete('greeting')
    print('delete greeting: %r' % (result,))

    result = etcd.get('greeting')
    print('get deleted greeting: %r' % (result,))

    result = etcd.delete('greeting')
    print('delete deleted greeting: %r' % (result,))

    for key, value in [('server1/a', 'a1'), ('server1/b', 'b1'), ('server2/a', 'a2')]:
        etcd.put(key, value)
    objs = etcd.get_prefix("server1")
    print('get_prefix server1: %r' % [obj[0].decode() if obj[0] else obj[0] for obj in objs])

    objs = etcd.get_all()
    print('get_all: %r' % [obj[0].decode() if obj[0] else obj[0] for obj in objs])

    status = etcd.status()
    leader = status.leader.name if status.leader is not None else None
    print('status: leader=%s db_size=%d raft_term=%d version=%s'
          % (leader, status.db_size, status.raft_term, status.version))
    etcd.close()


if __name__ == '__main__':
    main()
