# METADATA
# description: The one constructor of rule results, so every rule reports the same shape.
package dozen.lib.result

# fail returns a finding: a message and the JSON path (array of keys and indices,
# from the object root) of the offending field. The engine turns the path into a
# file:line:col position.
fail(msg, path) := {"msg": msg, "path": path}
