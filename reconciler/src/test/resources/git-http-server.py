# A Git smart-HTTP server for tests: git http-backend behind HTTP Basic authentication that takes exactly one
# token as the password. Usage: git-http-server.py PORT TOKEN_FILE PROJECT_ROOT (serves on 127.0.0.1).
import base64, http.server, os, subprocess, sys

PORT, TOKEN, ROOT = int(sys.argv[1]), open(sys.argv[2]).read().strip(), sys.argv[3]

class Handler(http.server.BaseHTTPRequestHandler):
    def serve(self):
        auth = self.headers.get('Authorization', '')
        try:
            password = base64.b64decode(auth[6:]).decode().split(':', 1)[1] if auth.startswith('Basic ') else None
        except Exception:
            password = None
        if password != TOKEN:
            self.send_response(401)
            self.send_header('WWW-Authenticate', 'Basic realm="git"')
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            body = b''
            while True:
                size = int(self.rfile.readline().strip().split(b';')[0], 16)
                chunk = self.rfile.read(size)
                self.rfile.readline()
                if size == 0:
                    break
                body += chunk
        else:
            length = int(self.headers.get('Content-Length') or 0)
            body = self.rfile.read(length) if length else b''
        path, _, query = self.path.partition('?')
        env = dict(os.environ, GIT_PROJECT_ROOT=ROOT, GIT_HTTP_EXPORT_ALL='1', PATH_INFO=path, QUERY_STRING=query,
                   REQUEST_METHOD=self.command, CONTENT_TYPE=self.headers.get('Content-Type', ''), CONTENT_LENGTH=str(len(body)),
                   REMOTE_USER='weft', REMOTE_ADDR='127.0.0.1', GIT_PROTOCOL=self.headers.get('Git-Protocol', ''),
                   HTTP_CONTENT_ENCODING=self.headers.get('Content-Encoding', ''), GIT_CONFIG_COUNT='1', GIT_CONFIG_KEY_0='safe.directory', GIT_CONFIG_VALUE_0='*')
        out = subprocess.run(['git', 'http-backend'], input=body, env=env, capture_output=True).stdout
        head, _, content = out.partition(b'\r\n\r\n')
        status, headers = 200, []
        for line in head.decode().split('\r\n'):
            if ':' in line:
                key, value = line.split(':', 1)
                if key.lower() == 'status':
                    status = int(value.split()[0])
                else:
                    headers.append((key, value.strip()))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header('Content-Length', str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = serve
    do_POST = serve

    def log_message(self, *args):
        pass

http.server.HTTPServer(('127.0.0.1', PORT), Handler).serve_forever()
